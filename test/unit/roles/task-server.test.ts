/**
 * The task protocol end to end over real libp2p hosts on 127.0.0.1 (Noise, Yamux, TCP), the
 * peer ids being the hotkeys: the miner's TaskServer with a deterministic generator, the
 * validator's TaskClient. Every refusal code, the checks that run before generation, the queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeCanonical } from '../../../electron/node/chain/codec.ts';
import { fromHex, type Hex } from '../../../electron/node/chain/crypto.ts';
import type { P2PHost } from '../../../electron/node/p2p/host.ts';
import { TaskClient, type TaskOutcome } from '../../../electron/node/roles/task-client.ts';
import {
  decodeTaskFrame,
  encodeTaskRequest,
  NONCE_ALLOWED_DELTA_MS,
  verifyTaskReceipt,
  type SignedTaskRequest,
  type TaskFrame,
  type TaskRefusal,
} from '../../../electron/node/roles/task-protocol.ts';
import {
  TaskQueue,
  TaskServer,
  type TaskGenerator,
  type TaskServerOptions,
} from '../../../electron/node/roles/task-server.ts';
import {
  addressOf,
  countingGenerator,
  expectedToken,
  hostFor,
  MODEL_SHA,
  rawExchange,
  signed,
  TASK_CHAIN_ID,
  testKey,
  type TestKey,
} from './task-fixtures.ts';

const minerKey = testKey(10);
const keys = {
  low: testKey(11), // stake 100
  high: testKey(12), // stake 500
  tiny: testKey(13), // stake 10
  peer: testKey(14), // stake 100
  none: testKey(15), // registered, no permit
};
const STAKES = new Map<Hex, bigint>([
  [keys.low.publicKey, 100n],
  [keys.high.publicKey, 500n],
  [keys.tiny.publicKey, 10n],
  [keys.peer.publicKey, 100n],
]);
const hosts = new Map<TestKey, P2PHost>();
const clients = new Map<TestKey, TaskClient>();

before(async () => {
  for (const key of Object.values(keys)) {
    const host = await hostFor(key);
    hosts.set(key, host);
    clients.set(key, new TaskClient({ chainId: TASK_CHAIN_ID, host }));
  }
});

after(async () => {
  for (const host of hosts.values()) await host.stop();
});

interface Miner {
  server: TaskServer;
  host: P2PHost;
  address: string;
  generator: TaskGenerator & { calls: number; aborted: number };
  close(): Promise<void>;
}

async function startMiner(
  generator: TaskGenerator & { calls: number; aborted: number } = countingGenerator(),
  options: Partial<TaskServerOptions> = {},
): Promise<Miner> {
  const host = await hostFor(minerKey);
  const server = new TaskServer({
    chainId: TASK_CHAIN_ID,
    host,
    minerKey,
    modelSha256: () => MODEL_SHA,
    isValidator: (hotkey) => {
      const stake = STAKES.get(hotkey);
      return { permit: stake !== undefined, stake: stake ?? 0n };
    },
    generate: generator,
    ...options,
  });
  await server.start();
  return {
    server,
    host,
    address: addressOf(host),
    generator,
    close: async () => {
      await server.stop();
      await host.stop();
      // The next miner has the same peer id: drop every validator's old connection to it now,
      // or libp2p would reuse one that has not noticed the close yet.
      for (const h of hosts.values()) await h.hangUp(host.peerId).catch(() => undefined);
    },
  };
}

function send(
  from: TestKey,
  miner: Miner,
  request: SignedTaskRequest,
  options: Parameters<TaskClient['send']>[2] = {},
): Promise<TaskOutcome> {
  return (clients.get(from) as TaskClient).send(miner.address, request, options);
}

function assertRefused(outcome: TaskOutcome, code: TaskRefusal): void {
  assert.equal(outcome.kind, 'refused', JSON.stringify(outcome));
  if (outcome.kind === 'refused') assert.equal(outcome.code, code, outcome.message);
}

/** Everything but one refusal counter is as a fresh server has it. */
function assertOnlyRefused(miner: Miner, code: TaskRefusal, count = 1): void {
  const stats = miner.server.stats;
  assert.equal(stats.refused[code], count, `refused ${code}`);
  assert.equal(stats.refusedTotal, count);
  assert.equal(stats.served, 0);
  assert.equal(stats.tokensOut, 0);
  assert.equal(miner.generator.calls, 0, 'nothing was generated');
}

async function until(what: string, fn: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function frameOf(bytes: Uint8Array | undefined): TaskFrame {
  assert.ok(bytes !== undefined, 'a frame came back');
  return decodeTaskFrame(bytes);
}

describe('TaskServer + TaskClient over libp2p', () => {
  it('streams each token as it is generated and ends with a valid receipt', async () => {
    let generatorDoneAt = 0;
    const inner = countingGenerator({ delayMs: 40 });
    const generator = Object.assign(
      async (...args: Parameters<TaskGenerator>) => {
        const r = await inner(...args);
        generatorDoneAt = performance.now();
        return r;
      },
      { calls: 0, aborted: 0 },
    );
    const miner = await startMiner(generator);
    try {
      const request = signed(keys.low, minerKey, { maxTokens: 6 });
      const chunks: number[][] = [];
      const outcome = await send(keys.low, miner, request, { onTokens: (t) => chunks.push(t) });
      assert.equal(outcome.kind, 'ok', JSON.stringify(outcome));
      if (outcome.kind !== 'ok') return;
      const expected = [0, 1, 2, 3, 4, 5].map((i) => expectedToken(request.body.prompt, i));
      assert.deepEqual(outcome.tokens, expected);
      assert.equal(outcome.stop, 'maxTokens');
      assert.deepEqual(
        chunks,
        expected.map((t) => [t]),
        'one frame per generated chunk',
      );
      assert.equal(verifyTaskReceipt(TASK_CHAIN_ID, outcome.receipt), true);
      assert.equal(outcome.receipt.receipt.tokenCount, 6);
      const t = outcome.timings;
      assert.ok(t.ttftMs !== null && t.ttftMs >= 30, `ttft ${t.ttftMs}`);
      assert.ok(
        (t.firstTokenAt as number) < generatorDoneAt - 150,
        'the first token arrived long before generation ended (no batching)',
      );
      assert.ok(
        (t.lastTokenAt as number) - (t.firstTokenAt as number) >= 5 * 40 * 0.8,
        'tokens arrived spread out as generated',
      );
      assert.equal(t.gapsMs.length, 5);
      assert.ok(t.tokensPerSecond !== null && t.tokensPerSecond > 10 && t.tokensPerSecond < 30);
      const stats = miner.server.stats;
      assert.equal(stats.served, 1);
      assert.equal(stats.tokensOut, 6);
      assert.equal(stats.refusedTotal, 0);
      assert.ok(stats.lastTaskAt !== null && Math.abs(stats.lastTaskAt - Date.now()) < 5_000);
    } finally {
      await miner.close();
    }
  });

  it("stops at 'eos' before maxTokens, and sends what a generator returned but never streamed", async () => {
    const silent = Object.assign(
      async (req: { prompt: number[] }) => ({
        tokens: [0, 1, 2].map((i) => expectedToken(req.prompt, i)),
        stop: 'eos' as const,
      }),
      { calls: 0, aborted: 0 },
    );
    const miner = await startMiner(silent);
    try {
      const request = signed(keys.low, minerKey, { maxTokens: 8 });
      const outcome = await send(keys.low, miner, request);
      assert.equal(outcome.kind, 'ok', JSON.stringify(outcome));
      if (outcome.kind === 'ok') {
        assert.equal(outcome.stop, 'eos');
        assert.equal(outcome.tokens.length, 3);
      }
    } finally {
      await miner.close();
    }
  });

  it('cuts a generator that runs past maxTokens and aborts it', async () => {
    const miner = await startMiner(countingGenerator({ overrun: 50, chunk: 3, delayMs: 1 }));
    try {
      const request = signed(keys.low, minerKey, { maxTokens: 5 });
      const outcome = await send(keys.low, miner, request);
      assert.equal(outcome.kind, 'ok', JSON.stringify(outcome));
      if (outcome.kind === 'ok') {
        assert.equal(outcome.tokens.length, 5);
        assert.equal(outcome.stop, 'maxTokens');
      }
      assert.equal(miner.generator.aborted, 1);
    } finally {
      await miner.close();
    }
  });

  describe('refusals, each before anything is generated', () => {
    let miner: Miner;
    before(async () => {
      miner = await startMiner();
    });
    after(async () => {
      await miner.close();
    });
    const fresh = async (options: Partial<TaskServerOptions> = {}) => {
      await miner.close();
      miner = await startMiner(countingGenerator(), options);
    };

    it('WRONG_MINER: the request names another miner', async () => {
      await fresh();
      const request = signed(keys.low, keys.high);
      const frames = await rawExchange(
        hosts.get(keys.low) as P2PHost,
        miner.address,
        encodeTaskRequest(request),
      );
      assert.equal(frames.length, 1);
      assert.deepEqual(frameOf(frames[0]), {
        type: 'error',
        code: 'WRONG_MINER',
        message: 'this is not the miner asked',
      });
      assertOnlyRefused(miner, 'WRONG_MINER');
    });

    it('BAD_SIGNATURE: the body was changed after signing', async () => {
      await fresh();
      const request = signed(keys.low, minerKey);
      const forged = { ...request, body: { ...request.body, maxTokens: 4 } };
      assertRefused(await send(keys.low, miner, forged), 'BAD_SIGNATURE');
      assertOnlyRefused(miner, 'BAD_SIGNATURE');
      // The forged nonce was not remembered: the genuine request still goes through.
      assert.equal((await send(keys.low, miner, request)).kind, 'ok');
    });

    it('NOT_VALIDATOR: a hotkey without a validator permit', async () => {
      await fresh();
      assertRefused(await send(keys.none, miner, signed(keys.none, minerKey)), 'NOT_VALIDATOR');
      assertOnlyRefused(miner, 'NOT_VALIDATOR');
    });

    it('NOT_VALIDATOR: a validly signed request forwarded by another peer', async () => {
      await fresh();
      const request = signed(keys.low, minerKey);
      // The peer "peer" holds a permit too, but it is not the hotkey that signed.
      assertRefused(await send(keys.peer, miner, request), 'NOT_VALIDATOR');
      assertOnlyRefused(miner, 'NOT_VALIDATOR');
      // Its nonce was not spent by the forwarder: the validator itself is served.
      const own = await send(keys.low, miner, request);
      assert.equal(own.kind, 'ok', JSON.stringify(own));
    });

    it('STALE_NONCE: replayed, lower, too old and future nonces', async () => {
      await fresh();
      const first = signed(keys.low, minerKey);
      assert.equal((await send(keys.low, miner, first)).kind, 'ok');
      const callsAfterFirst = miner.generator.calls;
      assertRefused(await send(keys.low, miner, first), 'STALE_NONCE');
      const lower = signed(keys.low, minerKey, { nonce: first.body.nonce - 1 });
      assertRefused(await send(keys.low, miner, lower), 'STALE_NONCE');
      const old = signed(keys.high, minerKey, {
        nonce: Date.now() - NONCE_ALLOWED_DELTA_MS - 5_000 - 1_000,
        timeoutMs: 5_000,
      });
      assertRefused(await send(keys.high, miner, old), 'STALE_NONCE');
      const future = signed(keys.high, minerKey, { nonce: Date.now() + 60_000 });
      assertRefused(await send(keys.high, miner, future), 'STALE_NONCE');
      assert.equal(miner.generator.calls, callsAfterFirst, 'nothing more was generated');
      const stats = miner.server.stats;
      assert.equal(stats.refused.STALE_NONCE, 4);
      assert.equal(stats.served, 1);
      // A refused future nonce is not remembered: a present one from the same validator works.
      assert.equal((await send(keys.high, miner, signed(keys.high, minerKey))).kind, 'ok');
    });

    it('WRONG_MODEL: another model, or none loaded', async () => {
      await fresh();
      const other = signed(keys.low, minerKey, { modelSha256: 'cd'.repeat(32) });
      assertRefused(await send(keys.low, miner, other), 'WRONG_MODEL');
      assertOnlyRefused(miner, 'WRONG_MODEL');
      await fresh({ modelSha256: () => null });
      const outcome = await send(keys.low, miner, signed(keys.low, minerKey));
      assertRefused(outcome, 'WRONG_MODEL');
      if (outcome.kind === 'refused') assert.equal(outcome.message, 'no model loaded');
    });

    it('RATE_LIMITED: over the per-validator quota, others unaffected', async () => {
      await fresh({ perValidatorRate: { items: 2, periodMs: 60_000 } });
      assert.equal((await send(keys.low, miner, signed(keys.low, minerKey))).kind, 'ok');
      assert.equal((await send(keys.low, miner, signed(keys.low, minerKey))).kind, 'ok');
      assertRefused(await send(keys.low, miner, signed(keys.low, minerKey)), 'RATE_LIMITED');
      assert.equal(miner.generator.calls, 2);
      assert.equal((await send(keys.high, miner, signed(keys.high, minerKey))).kind, 'ok');
      assert.equal(miner.server.stats.refused.RATE_LIMITED, 1);
    });

    it('TOO_LARGE: a frame over 64 KiB, a prompt over 4096 tokens, maxTokens over 4096', async () => {
      await fresh();
      const host = hosts.get(keys.low) as P2PHost;
      const big = await rawExchange(host, miner.address, new Uint8Array(70_000));
      assert.equal(big.length, 1);
      assert.equal((frameOf(big[0]) as { code?: string }).code, 'TOO_LARGE');
      const request = signed(keys.low, minerKey);
      const b = request.body;
      const forge = (prompt: number[], maxTokens: number) =>
        encodeCanonical([
          [
            1,
            fromHex(b.taskId),
            b.netuid,
            fromHex(b.validator),
            fromHex(b.miner),
            fromHex(b.modelSha256),
            prompt,
            maxTokens,
            b.nonce,
            b.timeoutMs,
          ],
          fromHex(request.signature),
        ]);
      for (const bytes of [forge(new Array(4097).fill(1), 8), forge([1], 4097)]) {
        const frames = await rawExchange(host, miner.address, bytes);
        assert.equal((frameOf(frames[0]) as { code?: string }).code, 'TOO_LARGE');
      }
      assertOnlyRefused(miner, 'TOO_LARGE', 3);
    });

    it('MALFORMED: bytes that are not a request', async () => {
      await fresh();
      const host = hosts.get(keys.low) as P2PHost;
      for (const bytes of [Uint8Array.of(1, 2, 3), encodeCanonical(['hello', 1])]) {
        const frames = await rawExchange(host, miner.address, bytes);
        assert.equal((frameOf(frames[0]) as { code?: string }).code, 'MALFORMED');
      }
      assertOnlyRefused(miner, 'MALFORMED', 2);
    });

    it('INTERNAL: the generator fails or contradicts what it streamed', async () => {
      const failing = Object.assign(
        async (_r: unknown, onTokens: (t: number[]) => void) => {
          onTokens([1, 2]);
          throw new Error('llama crashed');
        },
        { calls: 0, aborted: 0 },
      );
      await miner.close();
      miner = await startMiner(failing);
      const outcome = await send(keys.low, miner, signed(keys.low, minerKey));
      assertRefused(outcome, 'INTERNAL');
      if (outcome.kind === 'refused') assert.deepEqual(outcome.tokens, [1, 2]);
      const liar = Object.assign(
        async (_r: unknown, onTokens: (t: number[]) => void) => {
          onTokens([1, 2]);
          return { tokens: [1, 3, 4], stop: 'eos' as const };
        },
        { calls: 0, aborted: 0 },
      );
      await miner.close();
      miner = await startMiner(liar);
      assertRefused(await send(keys.low, miner, signed(keys.low, minerKey)), 'INTERNAL');
      assert.equal(miner.server.stats.refused.INTERNAL, 1);
      assert.equal(miner.server.stats.served, 0);
    });
  });

  describe('the queue', () => {
    it('serves the higher-stake validator first when busy', async () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const order: string[] = [];
      const names = new Map<number, string>();
      const miner = await startMiner(
        countingGenerator({
          gate: () => gate,
          onStart: (prompt) => order.push(names.get(prompt[0] as number) ?? '?'),
        }),
        { queueLimit: 4 },
      );
      try {
        names.set(100, 'tiny').set(200, 'low').set(300, 'high');
        const first = send(keys.tiny, miner, signed(keys.tiny, minerKey, { prompt: [100] }));
        await until('the first task to run', () => miner.server.stats.running === 1);
        const low = send(keys.low, miner, signed(keys.low, minerKey, { prompt: [200] }));
        await until('low to wait', () => miner.server.stats.waiting === 1);
        const high = send(keys.high, miner, signed(keys.high, minerKey, { prompt: [300] }));
        await until('high to wait', () => miner.server.stats.waiting === 2);
        open();
        const outcomes = await Promise.all([first, low, high]);
        assert.deepEqual(
          outcomes.map((o) => o.kind),
          ['ok', 'ok', 'ok'],
        );
        assert.deepEqual(order, ['tiny', 'high', 'low']);
      } finally {
        open();
        await miner.close();
      }
    });

    it('answers BUSY when full; a higher stake takes the lowest waiting place', async () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const miner = await startMiner(countingGenerator({ gate: () => gate }), {
        queueLimit: 1,
        perValidatorLimit: 1,
      });
      try {
        const running = send(keys.tiny, miner, signed(keys.tiny, minerKey));
        await until('a task to run', () => miner.server.stats.running === 1);
        // One validator, one place (perValidatorLimit 1): its second task is refused.
        assertRefused(await send(keys.tiny, miner, signed(keys.tiny, minerKey)), 'BUSY');
        const low = send(keys.low, miner, signed(keys.low, minerKey));
        await until('low to wait', () => miner.server.stats.waiting === 1);
        // Same stake as the waiter: no place.
        assertRefused(await send(keys.peer, miner, signed(keys.peer, minerKey)), 'BUSY');
        // Higher stake: takes low's place, low hears BUSY.
        const high = send(keys.high, miner, signed(keys.high, minerKey));
        assertRefused(await low, 'BUSY');
        open();
        assert.equal((await running).kind, 'ok');
        assert.equal((await high).kind, 'ok');
        const stats = miner.server.stats;
        assert.equal(stats.refused.BUSY, 3);
        assert.equal(stats.served, 2);
        assert.equal(miner.generator.calls, 2);
      } finally {
        open();
        await miner.close();
      }
    });

    it('TaskQueue: ordering, caps, release and eviction (pure)', async () => {
      const q = new TaskQueue({ concurrency: 1, queueLimit: 2, perValidatorLimit: 2 });
      const a = q.admit('a', 1n);
      assert.ok(a !== null);
      assert.equal(await a.ready, 'run');
      const b = q.admit('b', 5n);
      const c = q.admit('c', 9n);
      assert.ok(b !== null && c !== null);
      assert.equal(q.admit('d', 5n), null, 'full, and not above the lowest waiter');
      const e = q.admit('e', 6n);
      assert.ok(e !== null);
      assert.equal(await b.ready, 'busy', 'evicted');
      assert.equal(q.waiting, 2);
      a.release();
      assert.equal(await c.ready, 'run');
      assert.equal(q.running, 1);
      e.release(); // leaves the queue
      assert.equal(await e.ready, 'cancelled');
      assert.equal(q.waiting, 0);
      c.release();
      c.release(); // idempotent
      assert.equal(q.running, 0);
      const x1 = q.admit('x', 1n);
      const x2 = q.admit('x', 1n);
      assert.ok(x1 !== null && x2 !== null);
      assert.equal(q.admit('x', 100n), null, 'per-validator cap');
      x1.release();
      assert.equal(await x2.ready, 'run');
      assert.ok(q.admit('x', 1n) !== null, 'the cap frees with the slot');
    });
  });

  describe('ending early', () => {
    it('timeout: the validator stops waiting, the miner stops generating', async () => {
      const miner = await startMiner(countingGenerator({ delayMs: 50 }));
      try {
        const request = signed(keys.low, minerKey, { maxTokens: 100, timeoutMs: 400 });
        const outcome = await send(keys.low, miner, request);
        assert.equal(outcome.kind, 'timeout', JSON.stringify(outcome));
        if (outcome.kind === 'timeout') {
          assert.ok(outcome.tokens.length > 2 && outcome.tokens.length < 12);
          assert.ok(outcome.timings.doneAt - outcome.timings.sentAt >= 390);
        }
        await until('the miner to give up', () => miner.server.stats.failed === 1);
        assert.equal(miner.generator.aborted, 1);
        assert.equal(miner.server.stats.served, 0);
      } finally {
        await miner.close();
      }
    });

    it("the validator's own abort: outcome 'aborted', generation aborted on the miner", async () => {
      const miner = await startMiner(countingGenerator({ delayMs: 50 }));
      try {
        const request = signed(keys.low, minerKey, { maxTokens: 100 });
        const outcome = await send(keys.low, miner, request, { signal: AbortSignal.timeout(200) });
        assert.equal(outcome.kind, 'aborted');
        await until('the miner to abort', () => miner.generator.aborted === 1);
        await until('the task to count as failed', () => miner.server.stats.failed === 1);
      } finally {
        await miner.close();
      }
    });

    it('stop() aborts running and waiting tasks and stops serving', async () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const miner = await startMiner(countingGenerator({ gate: () => gate }));
      try {
        const running = send(keys.low, miner, signed(keys.low, minerKey));
        await until('a task to run', () => miner.server.stats.running === 1);
        const waiting = send(keys.high, miner, signed(keys.high, minerKey));
        await until('a task to wait', () => miner.server.stats.waiting === 1);
        await miner.server.stop();
        const outcomes = await Promise.all([running, waiting]);
        for (const o of outcomes) assert.equal(o.kind, 'protocol_error', JSON.stringify(o));
        assert.equal(miner.generator.calls, 1);
        const stats = miner.server.stats;
        assert.equal(stats.failed, 2);
        assert.equal(stats.running + stats.waiting, 0);
        const after = await send(keys.low, miner, signed(keys.low, minerKey));
        assert.equal(after.kind, 'dial_failed');
      } finally {
        open();
        await miner.close();
      }
    });
  });
});
