/**
 * Validator throughput: one validator and four honest miners, each a whole node (NodeRuntime:
 * chain, libp2p on 127.0.0.1, llama.cpp in its own process, threads 1) in this process, on a
 * devnet whose subnet 1 names the tiny generated llama (test/fixtures/gguf). The roles run as the
 * product runs them (electron/node/roles: the validator's round loop, spot checks, scoring, log;
 * the miners' task servers with their default quotas); nothing is stubbed. Per variant, over a
 * fixed window once every miner serves:
 *   - tasks the validator sent, answers it scored (its interaction log), answers that came back
 *     (ok) or were refused, answers it model-checked (teacher-forced scoreTokens), per second;
 *   - the validator engine's busy share: time inside its engine calls (scoreTokens and tokenize,
 *     process hop included) ÷ the window;
 *   - the validator's median TTFT and tokens per second (its log, its clock) against the miners'
 *     own (first token and token spacing of their generateTokens calls, measured around the
 *     engine in the miner nodes);
 *   - the cost of one check (scoreTokens) against one answer's generation (generateTokens).
 * Variants: `sampled`, the product's spot checks (every answer until 10 per miner per epoch, then
 * a share); `all`, the validator restarted with `roles.verifyAll` so every answer is checked.
 *
 *   node bench/validator-throughput.ts [--seconds 30] [--variants sampled,all] [--tempo 100]
 *                                      [--block-ms 500] [--max-warmup 45]
 *
 * All five nodes' JavaScript shares this process's event loop and the five engines share the
 * machine's cores, so the figures are those of a crowded machine, not of one validator alone.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { NodeRuntime } from '../electron/node/runtime.ts';
import { prepareDevnet } from '../electron/node/network/devnet.ts';
import { prepareJoin } from '../electron/node/network/join.ts';
import { netuidKey } from '../electron/node/chain/types.ts';
import type { InteractionEntry } from '../electron/node/roles/interaction-log.ts';
import { TaskClient } from '../electron/node/roles/task-client.ts';
import { writeTinyLlama } from '../test/fixtures/gguf/index.ts';

// Read when each node's network starts: every node listens on 127.0.0.1 only.
process.env.NOESIS_LOOPBACK_ONLY = '1';
// The devnet wallets' password, for a miner whose registration needs its coldkey.
const PASSWORD = 'validator throughput bench password';
process.env.NOESIS_PASSWORD = PASSWORD;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    variants: { type: 'string', default: 'sampled,all' },
    tempo: { type: 'string', default: '100' },
    'block-ms': { type: 'string', default: '500' },
    'max-warmup': { type: 'string', default: '45' },
  },
});
const WINDOW_S = Number(values.seconds);
const MAX_WARMUP_MS = Number(values['max-warmup']) * 1000;
const VARIANTS = values.variants.split(',').map((v) => v.trim());
for (const v of VARIANTS) if (v !== 'sampled' && v !== 'all') throw new Error(`variant ${v}?`);

/** One engine call as seen from the node that made it (performance.now, ms). */
interface Call {
  start: number;
  end: number;
  /** First tokens callback (generation only). */
  first: number | null;
  last: number | null;
  firstCount: number;
  tokens: number;
}

const calls = {
  generate: [] as Call[],
  score: [] as Call[],
  tokenize: [] as Call[],
};

/** Times the engine calls of a node; the engine object lives as long as the models service. */
function instrument(runtime: NodeRuntime, kind: 'miner' | 'validator'): void {
  const engine = runtime.models.engine;
  if (kind === 'miner') {
    const generate = engine.generateTokens.bind(engine);
    engine.generateTokens = async (request, onTokens, signal) => {
      const call: Call = {
        start: performance.now(),
        end: 0,
        first: null,
        last: null,
        firstCount: 0,
        tokens: 0,
      };
      try {
        return await generate(
          request,
          (tokens) => {
            const now = performance.now();
            if (call.first === null) {
              call.first = now;
              call.firstCount = tokens.length;
            }
            call.last = now;
            call.tokens += tokens.length;
            onTokens?.(tokens);
          },
          signal,
        );
      } finally {
        call.end = performance.now();
        calls.generate.push(call);
      }
    };
    return;
  }
  const score = engine.scoreTokens.bind(engine);
  engine.scoreTokens = async (request) => {
    const start = performance.now();
    try {
      return await score(request);
    } finally {
      calls.score.push({
        start,
        end: performance.now(),
        first: null,
        last: null,
        firstCount: 0,
        tokens: request.answer.length,
      });
    }
  };
  const tokenize = engine.tokenize.bind(engine);
  engine.tokenize = async (...args: Parameters<typeof tokenize>) => {
    const start = performance.now();
    try {
      return await tokenize(...args);
    } finally {
      calls.tokenize.push({
        start,
        end: performance.now(),
        first: null,
        last: null,
        firstCount: 0,
        tokens: 0,
      });
    }
  };
}

/** Every task outcome the validator's client returned, with its refusal code (this process). */
const outcomes: Array<{ at: number; what: string }> = [];
const send = TaskClient.prototype.send;
TaskClient.prototype.send = async function (this: TaskClient, ...args) {
  const outcome = await send.apply(this, args);
  outcomes.push({
    at: performance.now(),
    what: outcome.kind === 'refused' ? `refused ${outcome.code}` : outcome.kind,
  });
  return outcome;
};

function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function until<T>(what: string, fn: () => T | null | Promise<T | null>, ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function logEntries(dataDir: string): Promise<InteractionEntry[]> {
  const dir = path.join(dataDir, 'roles', 'interactions');
  const out: InteractionEntry[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of (await readFile(path.join(dir, name), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as InteractionEntry);
      } catch {
        // A line being written as we read: the window's entries are flushed each round.
      }
    }
  }
  return out;
}

interface Row {
  variant: string;
  seconds: number;
  sentPerS: number;
  scoredPerS: number;
  okPerS: number;
  refusedPerS: number;
  checkedPerS: number;
  checkedShare: number;
  busy: number;
  validatorTtft: number;
  minerTtft: number;
  validatorTps: number;
  minerTps: number;
  verifyMs: number;
  generateMs: number;
  answerTokens: number;
  results: Record<string, number>;
  outcomes: Record<string, number>;
  tokenizeMs: number;
  cpu: number;
}

const root = await mkdtemp(path.join(os.tmpdir(), 'noesis-validator-bench-'));
const runtimes: NodeRuntime[] = [];
const rows: Row[] = [];
const started = performance.now();
try {
  const model = path.join(root, 'subnet-model.gguf');
  await writeTinyLlama(model, { seed: 1 });
  const { nodes, genesisFile } = await prepareDevnet(root, {
    nodes: 5,
    validators: 1,
    miners: 4,
    model,
    password: PASSWORD,
    blockIntervalMs: Number(values['block-ms']),
    // Long epochs, so that the spot checks reach their sampling share after the warm-up of 10.
    tempo: Number(values.tempo),
  });
  const addresses = nodes.map((n) => n.address);
  for (const [i, node] of nodes.entries()) {
    await prepareJoin({
      dataDir: node.dataDir,
      genesisFile,
      bootstrap: addresses.filter((_, j) => j !== i),
    });
  }
  const open = async (i: number, verifyAll: boolean) => {
    const runtime = await NodeRuntime.open({
      dataDir: nodes[i]!.dataDir,
      mode: 'web',
      roles: { threads: 1, ...(verifyAll ? { verifyAll: true } : {}) },
    });
    instrument(runtime, i === 0 ? 'validator' : 'miner');
    return runtime;
  };
  for (let i = 0; i < nodes.length; i++) {
    runtimes.push(await open(i, VARIANTS[0] === 'all'));
  }
  for (const r of runtimes) await r.node.start();

  const subnet = () => runtimes[0]!.chain.openStore!.state.subnets.get(netuidKey(1))!;
  await until(
    'four miners serving',
    () => (subnet().neurons.filter((n) => n.axon != null).length >= 4 ? true : null),
    120_000,
  );
  const setupS = (performance.now() - started) / 1000;

  const minerFigures = async () =>
    Promise.all(runtimes.slice(1).map(async (r) => (await r.roles.status()).miner.figures));

  for (const [k, variant] of VARIANTS.entries()) {
    if (k > 0) {
      // The same network, the validator node restarted with the variant's roles options.
      await runtimes[0]!.close();
      runtimes[0] = await open(0, variant === 'all');
      await runtimes[0].node.start();
    }
    const validator = runtimes[0]!;
    await until(
      'the validator to send tasks',
      async () => ((await validator.roles.status()).validator.figures.tasksSent > 0 ? true : null),
      60_000,
    );
    // Warm-up: a few rounds, and until every miner's per-validator quota (60 a minute, burst 60)
    // has run dry (or --max-warmup passed: a validator that keeps within the quota never sees a
    // refusal), so the window sees the steady state rather than the initial burst.
    const refusedAtStart = (await minerFigures()).map((f) => f.tasksRefused);
    const warm = Date.now();
    await until(
      'the warm-up',
      async () => {
        const now = (await minerFigures()).map((f) => f.tasksRefused);
        const dry = now.every((n, i) => n > refusedAtStart[i]!);
        return Date.now() - warm > 5_000 && (dry || Date.now() - warm > MAX_WARMUP_MS)
          ? true
          : null;
      },
      MAX_WARMUP_MS + 10_000,
    );

    const before = {
      sent: (await validator.roles.status()).validator.figures.tasksSent,
      refused: (await minerFigures()).reduce((a, f) => a + f.tasksRefused, 0),
      cpu: process.cpuUsage(),
    };
    const t0 = performance.now();
    const wall0 = Date.now();
    await sleep(WINDOW_S * 1000);
    const t1 = performance.now();
    const wall1 = Date.now();
    const after = {
      sent: (await validator.roles.status()).validator.figures.tasksSent,
      refused: (await minerFigures()).reduce((a, f) => a + f.tasksRefused, 0),
      cpu: process.cpuUsage(before.cpu),
    };
    const seconds = (t1 - t0) / 1000;
    const inWindow = (c: Call) => c.start >= t0 && c.start < t1;
    const scores = calls.score.filter(inWindow);
    const tokenizes = calls.tokenize.filter(inWindow);
    const generations = calls.generate.filter(inWindow).filter((c) => c.first !== null);
    const entries = (await logEntries(nodes[0]!.dataDir)).filter(
      (e) => e.at >= wall0 && e.at < wall1,
    );
    const results: Record<string, number> = {};
    for (const e of entries) results[e.result] = (results[e.result] ?? 0) + 1;
    const kinds: Record<string, number> = {};
    for (const o of outcomes) {
      if (o.at >= t0 && o.at < t1) kinds[o.what] = (kinds[o.what] ?? 0) + 1;
    }
    const ok = entries.filter((e) => e.ttftMs !== null);
    const busyMs = [...scores, ...tokenizes].reduce((a, c) => a + (c.end - c.start), 0);
    rows.push({
      variant,
      seconds,
      sentPerS: (after.sent - before.sent) / seconds,
      scoredPerS: entries.length / seconds,
      okPerS: ok.length / seconds,
      refusedPerS: (after.refused - before.refused) / seconds,
      checkedPerS: scores.length / seconds,
      checkedShare: ok.length === 0 ? NaN : scores.length / ok.length,
      busy: busyMs / (t1 - t0),
      validatorTtft: median(ok.map((e) => e.ttftMs!)),
      minerTtft: median(generations.map((c) => c.first! - c.start)),
      validatorTps: median(ok.map((e) => e.tokensPerSecond ?? NaN)),
      minerTps: median(
        generations.map((c) =>
          c.last! > c.first! ? ((c.tokens - c.firstCount) * 1000) / (c.last! - c.first!) : NaN,
        ),
      ),
      verifyMs: median(scores.map((c) => c.end - c.start)),
      generateMs: median(generations.map((c) => c.end - c.start)),
      answerTokens: median(generations.map((c) => c.tokens)),
      results,
      outcomes: kinds,
      tokenizeMs: median(tokenizes.map((c) => c.end - c.start)),
      cpu: (after.cpu.user + after.cpu.system) / 1000 / (t1 - t0),
    });
  }

  const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');
  const m = subnet().model!;
  console.log(
    `validator throughput: 1 validator + 4 honest miners in one process on 127.0.0.1 (${os.cpus().length} cores), ` +
      `tiny llama fixture, threads 1, maxTokens ${m.maxTokens}, tempo ${subnet().params.tempo} × ${values['block-ms']} ms, ` +
      `${WINDOW_S} s per variant after warm-up (setup ${setupS.toFixed(0)} s)`,
  );
  console.log(
    '| variant | tasks sent/s | answers scored/s | ok/s | refused/s | model-checked/s | checked/ok | validator engine busy | TTFT ms validator / miner | added TTFT ms | tok/s validator / miner | received/local | check ms | generate ms | check/generate |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const cells = [
      r.variant === 'all' ? 'every answer checked' : 'spot checks',
      f(r.sentPerS, 2),
      f(r.scoredPerS, 2),
      f(r.okPerS, 2),
      f(r.refusedPerS, 2),
      f(r.checkedPerS, 2),
      pct(r.checkedShare),
      pct(r.busy),
      `${f(r.validatorTtft, 2)} / ${f(r.minerTtft, 2)}`,
      f(r.validatorTtft - r.minerTtft, 2),
      `${f(r.validatorTps)} / ${f(r.minerTps)}`,
      f(r.validatorTps / r.minerTps, 3),
      f(r.verifyMs, 2),
      f(r.generateMs, 2),
      f(r.verifyMs / r.generateMs, 2),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  for (const r of rows) {
    // Per answer the validator's engine tokenizes the prompt and runs one check.
    const capacity = 1000 / (r.tokenizeMs + r.verifyMs);
    console.log(
      `${r.variant === 'all' ? 'every answer checked' : 'spot checks'}: outcomes ${JSON.stringify(r.outcomes)}; ` +
        `log ${JSON.stringify(r.results)}; median answer ${r.answerTokens} tokens; ` +
        `engine per answer: tokenize ${f(r.tokenizeMs, 2)} ms + check ${f(r.verifyMs, 2)} ms, ` +
        `≈ ${f(capacity, 0)} answers/s verified and scored with the engine always busy; ` +
        `this process (5 nodes' JavaScript) used ${pct(r.cpu)} of one core`,
    );
  }
} finally {
  for (const r of runtimes) await r.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}
