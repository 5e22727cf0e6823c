// Thousands of random schedules of the pure consensus machine (see sim/harness.ts for the model
// and the oracles). NOESIS_SIM_RUNS sets the number of schedules (default 5000: 15–25 s on two
// shared cores); NOESIS_SIM_SEED replays one seed; NOESIS_SIM_BASE shifts the seed range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, runSimulation, scenarioOf, type SimResult } from './sim/harness.ts';

const RUNS = Number(process.env.NOESIS_SIM_RUNS ?? 5000);
const BASE = Number(process.env.NOESIS_SIM_BASE ?? 1);
const ONE = process.env.NOESIS_SIM_SEED;

test(`simulation: ${ONE !== undefined ? `seed ${ONE}` : `${RUNS} random schedules`}`, () => {
  const seeds =
    ONE !== undefined ? [Number(ONE)] : Array.from({ length: RUNS }, (_, i) => BASE + i);
  const started = performance.now();
  const results: SimResult[] = [];
  for (const seed of seeds) {
    const r = runSimulation(scenarioOf(seed));
    if (!r.ok) assert.fail(describeFailure(r));
    results.push(r);
  }
  const ms = performance.now() - started;
  const sum = (f: (r: SimResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const byN = (n: number) => results.filter((r) => r.scenario.n === n).length;
  const withByz = results.filter((r) => r.scenario.byzantine.length > 0).length;
  const eq = sum((r) => r.equivocations);
  const eqReported = sum((r) => r.equivocationsReported);
  console.log(
    `simulation: ${results.length} schedules (n=4: ${byN(4)}, n=7: ${byN(7)}, with byzantine: ` +
      `${withByz}) in ${(ms / 1000).toFixed(1)} s; ${sum((r) => r.decisions)} honest decisions, ` +
      `${sum((r) => r.crashes)} crashes, ${sum((r) => r.packets)} packets, ${sum((r) => r.steps)} ` +
      `machine steps, ${(sum((r) => r.virtualMs) / 3_600_000).toFixed(1)} virtual hours; ` +
      `equivocations ${eq}, reported ${eqReported}; ${sum((r) => r.syncs)} heights by block sync`,
  );
  if (ONE === undefined && RUNS >= 200) {
    // the schedules really exercise what they claim to
    assert.ok(sum((r) => r.crashes) > 0);
    assert.ok(eq > 0 && eqReported > eq / 2, `equivocations reported: ${eqReported} of ${eq}`);
  }
});
