/**
 * TaskClient against miners that misbehave, over real libp2p hosts on 127.0.0.1: every breach
 * becomes a typed outcome the validator scores as 0, never a throw.
 */
import type { Stream } from '@libp2p/interface';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeCanonical } from '../../../electron/node/chain/codec.ts';
import type { P2PHost } from '../../../electron/node/p2p/host.ts';
import { TaskClient, type TaskOutcome } from '../../../electron/node/roles/task-client.ts';
import {
  buildTaskReceipt,
  decodeTaskRequest,
  encodeTaskFrame,
  MAX_TASK_FRAME_BYTES,
  signTaskReceipt,
  taskProtocolId,
  type SignedTaskRequest,
} from '../../../electron/node/roles/task-protocol.ts';
import { peerIdFromPublicKey } from '../../../electron/node/wallet/peer-id.ts';
import { fromHex } from '../../../electron/node/chain/crypto.ts';
import { addressOf, hostFor, signed, TASK_CHAIN_ID, testKey } from './task-fixtures.ts';

const minerKey = testKey(20);
const validatorKey = testKey(21);
const strangerKey = testKey(22);

type Behaviour = (
  lp: LengthPrefixedStream<Stream>,
  request: SignedTaskRequest,
  stream: Stream,
) => Promise<void>;

let behaviour: Behaviour = async () => undefined;
let minerHost: P2PHost;
let validatorHost: P2PHost;
let strangerHost: P2PHost;
let client: TaskClient;

before(async () => {
  minerHost = await hostFor(minerKey);
  validatorHost = await hostFor(validatorKey);
  strangerHost = await hostFor(strangerKey);
  client = new TaskClient({ chainId: TASK_CHAIN_ID, host: validatorHost, dialTimeoutMs: 2_000 });
  await minerHost.handle(taskProtocolId(TASK_CHAIN_ID), async (stream) => {
    const lp = lpStream(stream, { maxDataLength: MAX_TASK_FRAME_BYTES });
    try {
      const request = decodeTaskRequest((await lp.read()).subarray());
      await behaviour(lp, request, stream);
      await stream.close();
    } catch (error) {
      stream.abort(error as Error);
    }
  });
});

after(async () => {
  await minerHost.stop();
  await validatorHost.stop();
  await strangerHost.stop();
});

const tokensOf = (n: number) => Array.from({ length: n }, (_, i) => 100 + i);
const tokensFrame = (tokens: number[]) => encodeTaskFrame({ type: 'tokens', tokens });
const receiptFrame = (
  request: SignedTaskRequest,
  tokens: number[],
  stop: 'eos' | 'maxTokens',
  signer = minerKey,
) =>
  encodeTaskFrame({
    type: 'receipt',
    receipt: signTaskReceipt(TASK_CHAIN_ID, buildTaskReceipt(request.body, tokens, stop), signer),
  });

async function run(b: Behaviour, fields = {}): Promise<TaskOutcome> {
  behaviour = b;
  return client.send(addressOf(minerHost), signed(validatorKey, minerKey, fields));
}

function assertProtocolError(outcome: TaskOutcome, pattern: RegExp): void {
  assert.equal(outcome.kind, 'protocol_error', JSON.stringify(outcome));
  if (outcome.kind === 'protocol_error') assert.match(outcome.reason, pattern);
}

describe('TaskClient against a misbehaving miner', () => {
  it('accepts an honest answer (the rogue harness itself works)', async () => {
    const outcome = await run(async (lp, req) => {
      await lp.write(tokensFrame([100, 101]));
      await lp.write(receiptFrame(req, [100, 101], 'eos'));
    });
    assert.equal(outcome.kind, 'ok', JSON.stringify(outcome));
  });

  it('a frame over 64 KiB', async () => {
    const outcome = await run(async (lp) => {
      await lp.write(new Uint8Array(MAX_TASK_FRAME_BYTES + 1));
    });
    assertProtocolError(outcome, /over 65536 bytes/);
  });

  it('more tokens than maxTokens, in one frame or over several', async () => {
    assertProtocolError(
      await run(
        async (lp, req) => {
          await lp.write(tokensFrame(tokensOf(5)));
          await lp.write(receiptFrame(req, tokensOf(5), 'maxTokens'));
        },
        { maxTokens: 4 },
      ),
      /more than maxTokens/,
    );
    const outcome = await run(
      async (lp) => {
        for (let i = 0; i < 3; i++) await lp.write(tokensFrame(tokensOf(2)));
      },
      { maxTokens: 5 },
    );
    assertProtocolError(outcome, /more than maxTokens/);
    assert.equal(outcome.kind === 'protocol_error' && outcome.tokens.length, 4, 'kept what fit');
  });

  it('a receipt signed by another key', async () => {
    const outcome = await run(async (lp, req) => {
      await lp.write(tokensFrame([100]));
      await lp.write(receiptFrame(req, [100], 'eos', strangerKey));
    });
    assertProtocolError(outcome, /receipt (miner|signature)/);
  });

  it('a receipt whose answerHash is not the tokens sent', async () => {
    const outcome = await run(async (lp, req) => {
      await lp.write(tokensFrame([100, 101]));
      await lp.write(receiptFrame(req, [100, 102], 'eos'));
    });
    assertProtocolError(outcome, /answerHash/);
  });

  it("a receipt claiming 'maxTokens' for a short answer", async () => {
    const outcome = await run(
      async (lp, req) => {
        await lp.write(tokensFrame([100]));
        await lp.write(receiptFrame(req, [100], 'maxTokens'));
      },
      { maxTokens: 4 },
    );
    assertProtocolError(outcome, /maxTokens/);
  });

  it('a receipt for another task', async () => {
    const outcome = await run(async (lp) => {
      const other = signed(validatorKey, minerKey);
      await lp.write(tokensFrame([100]));
      await lp.write(receiptFrame(other, [100], 'eos'));
    });
    assertProtocolError(outcome, /taskId/);
  });

  it('no receipt: the stream ends after the tokens', async () => {
    const outcome = await run(async (lp) => {
      await lp.write(tokensFrame([100, 101]));
    });
    assertProtocolError(outcome, /ended before a receipt/);
    assert.deepEqual(outcome.kind === 'protocol_error' && outcome.tokens, [100, 101]);
  });

  it('garbage frames: not CBOR, an empty tokens frame, an unknown code', async () => {
    for (const bytes of [
      Uint8Array.of(0xff, 0xfe),
      encodeCanonical([0, []]),
      encodeCanonical([2, 'TEAPOT', 'x']),
    ]) {
      assertProtocolError(
        await run(async (lp) => {
          await lp.write(bytes);
        }),
        /bad frame/,
      );
    }
  });

  it('a frame after the receipt', async () => {
    const outcome = await run(async (lp, req) => {
      await lp.write(tokensFrame([100]));
      await lp.write(receiptFrame(req, [100], 'eos'));
      await lp.write(tokensFrame([101]));
    });
    assertProtocolError(outcome, /after the final/);
  });

  it('an error after some tokens is a refusal that keeps the tokens', async () => {
    const outcome = await run(async (lp) => {
      await lp.write(tokensFrame([100]));
      await lp.write(encodeTaskFrame({ type: 'error', code: 'INTERNAL', message: 'oom' }));
    });
    assert.equal(outcome.kind, 'refused');
    if (outcome.kind === 'refused') {
      assert.equal(outcome.code, 'INTERNAL');
      assert.equal(outcome.message, 'oom');
      assert.deepEqual(outcome.tokens, [100]);
    }
  });

  it('silence: timeout after body.timeoutMs, with the tokens that came', async () => {
    const outcome = await run(
      async (lp) => {
        await lp.write(tokensFrame([100]));
        await new Promise((r) => setTimeout(r, 1_000));
      },
      { timeoutMs: 300 },
    );
    assert.equal(outcome.kind, 'timeout');
    if (outcome.kind === 'timeout') {
      assert.deepEqual(outcome.tokens, [100]);
      const elapsed = outcome.timings.doneAt - outcome.timings.sentAt;
      assert.ok(elapsed >= 290 && elapsed < 900, `gave up after ${elapsed} ms`);
    }
  });

  it('dial_failed: nobody there, another peer at the address, protocol not served', async () => {
    const nobody = testKey(23);
    const closed = await client.send(
      `/ip4/127.0.0.1/tcp/1/p2p/${peerIdFromPublicKey(fromHex(nobody.publicKey))}`,
      signed(validatorKey, nobody),
    );
    assert.equal(closed.kind, 'dial_failed');
    // The stranger's address with /p2p/<stranger>: not the miner the request names.
    const wrong = await client.send(addressOf(strangerHost), signed(validatorKey, minerKey));
    assert.equal(wrong.kind, 'dial_failed');
    if (wrong.kind === 'dial_failed') assert.match(wrong.reason, /not the miner/);
    // The stranger's address without a peer id: Noise finds another key there. (A fresh
    // validator host: libp2p would reuse an open connection to the miner whatever the address.)
    const freshKey = testKey(24);
    const freshHost = await hostFor(freshKey);
    try {
      const freshClient = new TaskClient({ chainId: TASK_CHAIN_ID, host: freshHost });
      const bare = addressOf(strangerHost).replace(/\/p2p\/.*$/, '');
      const outcome = await freshClient.send(bare, signed(freshKey, minerKey));
      assert.equal(outcome.kind, 'dial_failed', JSON.stringify(outcome));
    } finally {
      await freshHost.stop();
    }
    // The stranger as the miner named in the request: it does not serve the protocol.
    const unserved = await client.send(addressOf(strangerHost), signed(validatorKey, strangerKey));
    assert.equal(unserved.kind, 'dial_failed');
  });

  it('an already aborted signal: nothing is sent', async () => {
    let called = false;
    behaviour = async () => {
      called = true;
    };
    const controller = new AbortController();
    controller.abort();
    const outcome = await client.send(addressOf(minerHost), signed(validatorKey, minerKey), {
      signal: controller.signal,
    });
    assert.equal(outcome.kind, 'aborted');
    assert.equal(called, false);
  });
});
