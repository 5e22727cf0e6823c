// Decisions per second of the pure consensus machine inside the deterministic simulator
// (test/unit/consensus/sim/harness.ts): one process, virtual clock, no I/O. "heights/s" counts
// heights every honest node has decided; "steps/s" counts step() calls. Signing and verification
// are real ed25519 (chain/crypto.ts) unless the row says "memo" (the test suite's memoized
// crypto, which isolates the machine's own cost). Prints one table.
// Run: ./node_modules/.bin/node bench/consensus-sim.ts
import { CHAIN_CRYPTO } from '../electron/node/consensus/messages.ts';
import { runSimulation, scenarioOf, type Scenario } from '../test/unit/consensus/sim/harness.ts';

function happy(n: number, heights: number): Scenario {
  return {
    seed: 7,
    n,
    byzantine: [],
    stakes: Array.from({ length: n }, (_, i) => BigInt(10 + 7 * i)),
    stakeChanges: [],
    gstMs: 0,
    dropP: 0,
    dupP: 0,
    maxDelayMs: 0,
    deltaMs: 5,
    partition: null,
    crashes: [],
    crashAfterPersistP: 0,
    timeouts: { proposeMs: 1000, prevoteMs: 500, precommitMs: 500, deltaMs: 250 },
    extraHeights: heights,
    livenessBudgetMs: 10_000_000,
  };
}

interface Row {
  scenario: string;
  crypto: string;
  runs: number;
  heights: number;
  steps: number;
  ms: number;
}

const rows: Row[] = [];
function measure(label: string, crypto: 'real' | 'memo', scs: Scenario[]): void {
  const t = performance.now();
  let heights = 0;
  let steps = 0;
  for (const sc of scs) {
    const r = runSimulation(sc, crypto === 'real' ? { crypto: CHAIN_CRYPTO } : {});
    if (!r.ok) throw new Error(`seed ${sc.seed}: ${r.failure}`);
    heights += r.minHeight;
    steps += r.steps;
  }
  rows.push({
    scenario: label,
    crypto,
    runs: scs.length,
    heights,
    steps,
    ms: performance.now() - t,
  });
}

for (const n of [4, 7, 16]) {
  measure(`no faults, n=${n}`, 'real', [happy(n, n === 16 ? 50 : 200)]);
}
measure('no faults, n=7', 'memo', [happy(7, 200)]);
const random = Array.from({ length: 300 }, (_, i) => scenarioOf(10_000 + i));
measure('random faults (300 seeds)', 'real', random);
measure('random faults (300 seeds)', 'memo', random);

console.log('| scenario | crypto | runs | heights | heights/s | steps/s |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  const s = r.ms / 1000;
  console.log(
    `| ${r.scenario} | ${r.crypto} | ${r.runs} | ${r.heights} | ${(r.heights / s).toFixed(0)} | ${(r.steps / s).toFixed(0)} |`,
  );
}
