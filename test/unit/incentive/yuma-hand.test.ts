// Small epochs worked out by hand in I32F32 integer arithmetic (bits = value · 2^32; mul floors
// a·b/2^32, div truncates a·2^32/b, u16 = floor(x·65535/2^32)). The derivations are in the
// comments; every expected number below comes from them, not from running yumaEpoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SUBTENSOR_DEFAULTS,
  yumaEpoch,
  type YumaInput,
} from '../../../electron/node/incentive/yuma.ts';
import { pairs } from './harness.ts';

const BASE = {
  tempo: 360,
  activityCutoff: 5000,
  kappa: 32767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65535,
  maxAllowedValidators: 64,
  yuma3: false,
  currentBlock: 1000,
  subnetEmission: 1_000_000_000n,
} as const;

test('hand case A: two validators (stake 3:1) agree on one miner', () => {
  const input: YumaInput = {
    ...BASE,
    neurons: [
      {
        stake: 3n,
        validatorPermit: true,
        lastUpdate: 990,
        registeredAt: 10,
        weights: [[2, 65535]],
      },
      {
        stake: 1n,
        validatorPermit: true,
        lastUpdate: 990,
        registeredAt: 10,
        weights: [[2, 65535]],
      },
      { stake: 0n, validatorPermit: false, lastUpdate: 10, registeredAt: 10 },
    ],
  };
  // stake: (3·2^64/4) >> 32 = 3221225472 (0.75), 1073741824 (0.25), 0. Active stake sums to 2^32,
  // so normalizing keeps it. Each row is [65535] → div(65535, 65535) = 2^32 (1.0).
  // Consensus of column 2: both score 1.0, the pivot has no lower/upper partition → 1.0.
  // Ranks: col 2 = 0.75 + 0.25 = 2^32 → incentive [0, 0, 1]; trust = rank/prerank = 1.
  // ΔB = w·s = [0.75, 0.25] (column sum 1). alpha = 2^32 − floor(0.9·2^32) = 429496730.
  // EMA = floor(429496730·0.75) = 322122547, floor(429496730/4) = 107374182; sum 429496729;
  // column-normalized: trunc(322122547·2^32/429496729) = 3221225474, ... = 1073741821.
  // D = inc_2 · B = same; normalized by 4294967295: 3221225474, 1073741821 → u16 49151, 16383.
  // Emission: S = D0 + D1 + 2^32 = 8589934591; server_2 = div(2^32, S) = 2147483648 (0.5);
  // validators 1610612737, 536870910 → floor(x·1e9/2^32) = 500000000, 375000000, 124999999
  // (subtensor drops 1 rao). Exact payout: x·1e9/4294967295 → 500000000.1, 375000000.2,
  // 124999999.9 → floors sum to 999999999, the largest remainder (uid 1) gets the last rao.
  // Stored bonds: column max-upscale: 65535 and floor(div(1073741821, 3221225474)·65535) = 21844.
  // Pruning: combined normalized [1610612737, 536870910, 2147483648], max 0.5 → round(x/max·65535)
  // = 49151 (49151.25), 16384 (16383.74), 65535.
  const out = yumaEpoch(input);
  const n = out.neurons;
  assert.deepEqual(
    n.map((o) => o.stakeWeight.u16),
    [49151, 16383, 0],
  );
  assert.deepEqual(
    n.map((o) => o.consensus.u16),
    [0, 0, 65535],
  );
  assert.deepEqual(
    n.map((o) => o.incentive.u16),
    [0, 0, 65535],
  );
  assert.deepEqual(
    n.map((o) => o.rank.u16),
    [0, 0, 65535],
  );
  assert.deepEqual(
    n.map((o) => o.trust.u16),
    [0, 0, 65535],
  );
  assert.deepEqual(
    n.map((o) => o.validatorTrust.u16),
    [65535, 65535, 0],
  );
  assert.deepEqual(
    n.map((o) => o.dividends.u16),
    [49151, 16383, 0],
  );
  assert.equal(n[0]?.dividends.value, 3221225474 / 2 ** 32);
  assert.deepEqual(
    n.map((o) => o.pruningScore.u16),
    [49151, 16384, 65535],
  );
  assert.deepEqual(
    n.map((o) => pairs(o.newBonds)),
    [[[2, 65535]], [[2, 21844]], []],
  );
  assert.deepEqual(
    n.map((o) => o.subtensorEmission.miner),
    [0n, 0n, 500_000_000n],
  );
  assert.deepEqual(
    n.map((o) => o.subtensorEmission.validator),
    [375_000_000n, 124_999_999n, 0n],
  );
  assert.deepEqual(
    n.map((o) => o.minerEmission),
    [0n, 0n, 500_000_000n],
  );
  assert.deepEqual(
    n.map((o) => o.validatorEmission),
    [375_000_000n, 125_000_000n, 0n],
  );
  assert.equal(out.dust, 1n);
  assert.equal(out.unallocated, 0n);
  assert.deepEqual(
    n.map((o) => o.validatorPermit),
    [true, true, false],
  );
});

test('hand case B: three validators disagree; consensus at kappa and clipping', () => {
  // Stakes 5:3:2 → (k·2^64/10) >> 32 = 2147483648, 1288490188, 858993459 (sum 2^32 − 1; the
  // normalizations keep them). Validator 0 weights miner 3 only, validator 1 splits 3/4 evenly
  // (div(65535, 131070) = 2^31), validator 2 weights miner 4 only.
  // kappa = trunc(32767·2^32/65535) = 2147450879; minority = (2^32 − 1) − kappa = 2147516416.
  // Column 3, scores [1, .5, 0]: pivot .5; lower {v2} 858993459, upper {v0} 2147483648;
  //   minority < 858993459? no; (2^32−1) − 2147483648 = 2147483647 <= minority → upper → 1.0.
  // Column 4, scores [0, .5, 1]: lower {v0} 2^31, upper {v2}; minority < 2^31? no;
  //   (2^32−1) − 858993459 = 3435973836 <= minority? no → pivot 0.5.
  // Clipping: v2's 1.0 on miner 4 is cut to 0.5 → validator trust [1, 1, .5] → u16 65535, 65535, 32767.
  // Ranks: r3 = 2147483648 + floor(1288490188/2) = 2791728742;
  //        r4 = 644245094 + floor(858993459/2) = 1073741823; unclipped r4 = 1503238553.
  // Trust r4/pre r4 = trunc(1073741823·2^32/1503238553) → u16 46810; trust 3 = 65535.
  // Incentive = ranks / 3865470565 → 3101920825, 1193046470 → u16 47330, 18204.
  // Bonds (none before): ΔB = clipped·s, column-normalized, times alpha, column-normalized;
  // dividends Σ_j B_ij·inc_j normalized → 2386092949, 1431655760, 477218586 → 36408, 21844, 7281.
  const weights = [
    [[3, 65535]],
    [
      [3, 65535],
      [4, 65535],
    ],
    [[4, 65535]],
  ] as Array<Array<[number, number]>>;
  const out = yumaEpoch({
    ...BASE,
    neurons: [5n, 3n, 2n, 0n, 0n].map((stake, i) => ({
      stake,
      validatorPermit: i < 3,
      lastUpdate: 990,
      registeredAt: 10,
      weights: weights[i] ?? [],
    })),
  });
  const n = out.neurons;
  assert.deepEqual(
    n.map((o) => o.consensus.u16),
    [0, 0, 0, 65535, 32767],
  );
  assert.deepEqual(
    n.map((o) => o.validatorTrust.u16),
    [65535, 65535, 32767, 0, 0],
  );
  assert.deepEqual(
    n.map((o) => o.trust.u16),
    [0, 0, 0, 65535, 46810],
  );
  assert.deepEqual(
    n.map((o) => o.incentive.u16),
    [0, 0, 0, 47330, 18204],
  );
  assert.deepEqual(
    n.map((o) => o.dividends.u16),
    [36408, 21844, 7281, 0, 0],
  );
  const total = n.reduce((a, o) => a + o.emission, 0n);
  assert.equal(total, 1_000_000_000n);
});

test('dense and sparse rows, and row order, give identical results', () => {
  const sparse = yumaEpoch({
    ...BASE,
    neurons: [
      {
        stake: 7n,
        validatorPermit: true,
        lastUpdate: 990,
        registeredAt: 1,
        weights: [
          [2, 100],
          [1, 65535],
        ],
      },
      {
        stake: 5n,
        validatorPermit: true,
        lastUpdate: 990,
        registeredAt: 1,
        weights: [
          [2, 65535],
          [0, 3],
        ],
      },
      { stake: 0n, validatorPermit: false, lastUpdate: 1, registeredAt: 1 },
    ],
  });
  const dense = yumaEpoch({
    ...BASE,
    neurons: [
      {
        stake: 7n,
        validatorPermit: true,
        lastUpdate: 990,
        registeredAt: 1,
        weights: [0, 65535, 100],
      },
      {
        stake: 5n,
        validatorPermit: true,
        lastUpdate: 990,
        registeredAt: 1,
        weights: Uint16Array.of(3, 0, 65535),
      },
      { stake: 0n, validatorPermit: false, lastUpdate: 1, registeredAt: 1, weights: [] },
    ],
  });
  assert.deepEqual(sparse, dense);
});

test('input validation', () => {
  const one = { stake: 1n, validatorPermit: true, lastUpdate: 1, registeredAt: 0 };
  assert.throws(
    () => yumaEpoch({ ...BASE, bondsMovingAverage: 1_000_001, neurons: [one] }),
    RangeError,
  );
  assert.throws(() => yumaEpoch({ ...BASE, kappa: 65536, neurons: [one] }), RangeError);
  assert.throws(
    () =>
      yumaEpoch({
        ...BASE,
        neurons: [
          {
            ...one,
            weights: [
              [0, 1],
              [0, 2],
            ],
          },
        ],
      }),
    /twice/,
  );
  assert.throws(() => yumaEpoch({ ...BASE, neurons: [{ ...one, stake: -1n }] }), RangeError);
  // The defaults object spreads into a valid input.
  const d = yumaEpoch({
    ...SUBTENSOR_DEFAULTS,
    currentBlock: 1,
    subnetEmission: 5n,
    neurons: [one],
  });
  assert.equal(d.neurons[0]?.validatorEmission, 5n);
  // Empty subnet: nothing to pay.
  const empty = yumaEpoch({ ...BASE, neurons: [] });
  assert.equal(empty.unallocated, 1_000_000_000n);
});
