/**
 * Real libp2p hosts on 127.0.0.1 whose peer ids are hotkeys (as the roles run them), keys, a
 * deterministic token generator and request builders for the task protocol tests and
 * bench/task-stream.ts.
 */
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { setTimeout as sleep } from 'node:timers/promises';
import { hash256, publicKeyOf, signMessage, toHex } from '../../../electron/node/chain/crypto.ts';
import { createP2PHost, type P2PHost } from '../../../electron/node/p2p/host.ts';
import {
  MAX_TASK_FRAME_BYTES,
  signTaskRequest,
  taskProtocolId,
  type SignedTaskRequest,
  type TaskRequestBody,
  type TaskSigner,
} from '../../../electron/node/roles/task-protocol.ts';
import type { TaskGenerator } from '../../../electron/node/roles/task-server.ts';
import { libp2pPrivateKeyProtobuf } from '../../../electron/node/wallet/peer-id.ts';

export const TASK_CHAIN_ID = 'tasktest';
export const MODEL_SHA = 'ab'.repeat(32);

export interface TestKey extends TaskSigner {
  secretKey: Uint8Array;
}

export function testKey(seed: number): TestKey {
  const secretKey = hash256(Uint8Array.of(0x7a, seed));
  return {
    secretKey,
    publicKey: toHex(publicKeyOf(secretKey)),
    sign: (bytes) => signMessage(secretKey, bytes),
  };
}

/** A host on 127.0.0.1 whose peer id is the key's (nothing else running: no DHT, no NAT). */
export function hostFor(key: TestKey, chainId = TASK_CHAIN_ID): Promise<P2PHost> {
  return createP2PHost({
    chainId,
    privateKeyProtobuf: libp2pPrivateKeyProtobuf(key.secretKey),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    upnp: false,
    relayClient: false,
    autonat: false,
    dht: false,
  });
}

export function addressOf(host: P2PHost): string {
  const a = host.getMultiaddrs()[0];
  if (a === undefined) throw new Error('host has no address');
  return a.toString();
}

let taskCounter = 0;

export function body(
  validator: TestKey,
  miner: TestKey,
  fields: Partial<TaskRequestBody> = {},
): TaskRequestBody {
  return {
    taskId: toHex(hash256(Uint8Array.of(1, taskCounter++ & 0xff, taskCounter >> 8))),
    netuid: 1,
    validator: validator.publicKey,
    miner: miner.publicKey,
    modelSha256: MODEL_SHA,
    prompt: [1, 15, 27, 3],
    maxTokens: 8,
    nonce: Date.now(),
    timeoutMs: 5_000,
    ...fields,
  };
}

let lastNonce = 0;
/** Strictly increasing Date.now()-based nonces across the whole test file. */
export function freshNonce(): number {
  lastNonce = Math.max(Date.now(), lastNonce + 1);
  return lastNonce;
}

export function signed(
  validator: TestKey,
  miner: TestKey,
  fields: Partial<TaskRequestBody> = {},
  chainId = TASK_CHAIN_ID,
): SignedTaskRequest {
  return signTaskRequest(
    chainId,
    body(validator, miner, { nonce: freshNonce(), ...fields }),
    validator,
  );
}

/** Token i of the answer to `prompt`: a pure function, so tests know the expected answer. */
export function expectedToken(prompt: readonly number[], i: number): number {
  let h = 2166136261;
  for (const t of prompt) h = Math.imul(h ^ t, 16777619) >>> 0;
  return (h + i * 7919) % 32_000;
}

export interface CountingGeneratorOptions {
  /** Wait between tokens, ms (0: as fast as the event loop goes). */
  delayMs?: number;
  /** Stop with 'eos' after this many tokens (default: run to maxTokens). */
  eosAfter?: number;
  /** Tokens per onTokens call (default 1). */
  chunk?: number;
  /** Called with the prompt when a generation starts. */
  onStart?: (prompt: number[]) => void;
  /** Awaited before the first token (a gate the test opens). */
  gate?: () => Promise<void>;
  /** Ignore maxTokens and emit this many (a generator that does not stop). */
  overrun?: number;
}

/** A deterministic generator that honours the abort signal like the engine does. */
export function countingGenerator(options: CountingGeneratorOptions = {}): TaskGenerator & {
  calls: number;
  aborted: number;
} {
  const fn = async (
    request: { prompt: number[]; maxTokens: number },
    onTokens: (t: number[]) => void,
    signal: AbortSignal,
  ) => {
    fn.calls++;
    options.onStart?.(request.prompt);
    try {
      if (options.gate) {
        const aborted = new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        await Promise.race([options.gate(), aborted]);
      }
      const n = options.overrun ?? Math.min(request.maxTokens, options.eosAfter ?? Infinity);
      const tokens: number[] = [];
      const chunk = options.chunk ?? 1;
      while (tokens.length < n) {
        signal.throwIfAborted();
        if (options.delayMs) await sleep(options.delayMs, undefined, { signal });
        const part: number[] = [];
        while (part.length < chunk && tokens.length < n) {
          const t = expectedToken(request.prompt, tokens.length);
          part.push(t);
          tokens.push(t);
        }
        onTokens(part);
      }
      return { tokens, stop: tokens.length < request.maxTokens ? 'eos' : 'maxTokens' } as const;
    } catch (error) {
      if (signal.aborted) fn.aborted++;
      throw error;
    }
  };
  fn.calls = 0;
  fn.aborted = 0;
  return fn;
}

/** Sends raw bytes as the request frame and returns every response frame (tests of the server). */
export async function rawExchange(
  host: P2PHost,
  target: string,
  request: Uint8Array,
  chainId = TASK_CHAIN_ID,
): Promise<Uint8Array[]> {
  const { multiaddr } = await import('@multiformats/multiaddr');
  const stream: Stream = await host.dialProtocol(multiaddr(target), taskProtocolId(chainId), {
    signal: AbortSignal.timeout(5_000),
  });
  const lp = lpStream(stream, { maxDataLength: MAX_TASK_FRAME_BYTES });
  await lp.write(request, { signal: AbortSignal.timeout(5_000) });
  await stream.close();
  const frames: Uint8Array[] = [];
  for (;;) {
    try {
      frames.push((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray());
    } catch (error) {
      if ((error as Error).name === 'UnexpectedEOFError') return frames;
      throw error;
    }
  }
}
