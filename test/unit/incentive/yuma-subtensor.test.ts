// Known answers transcribed from subtensor's own epoch tests
// (opentensor/subtensor@14bc6f9f9 pallets/subtensor/src/tests/epoch.rs). Each test names its
// source. The mock's state is rebuilt as subtensor's mock leaves it: registration sets
// `block_at_registration = last_update = current block`; `epoch()` called directly never sets
// `LastMechansimStepBlock`, so the bond mask uses `current_block − tempo`; mock defaults are
// kappa 32767, bonds_moving_average 900000, bonds_penalty 65535, Yuma3 off, tao weight 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subnet, pairs, uids } from './harness.ts';
import type { YumaOutput } from '../../../electron/node/incentive/yuma.ts';

const MOCK = {
  tempo: 1,
  activityCutoff: 5000,
  kappa: 32767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65535,
  yuma3: false,
};

const combinedE = (out: YumaOutput): bigint[] =>
  out.neurons.map((o) => o.subtensorEmission.combined);

test('test_bonds (epoch.rs l.1005): 7 epochs of original-Yuma bonds and emissions', () => {
  // 4 validators (stake 1..4 rao), 4 servers; weights [1/4, 1/2, 3/4, 1]·65535 stored as
  // [16383, 32767, 49149, 65535]; validators then defect to self-weights one by one.
  const net = new Subnet(
    uids(8, (i) => ({ stake: [1n, 2n, 3n, 4n, 0n, 0n, 0n, 0n][i] as bigint })),
    { ...MOCK, maxAllowedValidators: 8 },
  );
  net.epoch(0); // sets permits
  const full: Array<[number, number]> = [
    [4, 16383],
    [5, 32767],
    [6, 49149],
    [7, 65535],
  ];
  for (let v = 0; v < 4; v++) net.setWeights(v, full, 1);
  const row = (v: number): number[] => (net.bonds[v] as Array<[number, number]>).map(([, b]) => b);

  // Expected values: the `E:` line of each trace comment and the `B:` line of the next one.
  let out = net.epoch(1);
  assert.deepEqual(combinedE(out), [
    49999998n,
    99999999n,
    150000000n,
    200000001n,
    49998779n,
    100000610n,
    149996337n,
    200004272n,
  ]);
  assert.deepEqual([0, 1, 2, 3].map(row), [
    [16383, 16383, 16383, 16383],
    [32767, 32767, 32767, 32767],
    [49151, 49151, 49151, 49151],
    [65535, 65535, 65535, 65535],
  ]);

  net.setWeights(0, [[0, 65535]], 1);
  out = net.epoch(2);
  assert.deepEqual(combinedE(out), [
    44998351n,
    101110561n,
    151667215n,
    202223870n,
    49998779n,
    100000610n,
    149996337n,
    200004272n,
  ]);
  assert.deepEqual(row(0), [14582, 14582, 14582, 14582]);
  assert.deepEqual(
    [1, 2, 3].map((v) => row(v)[0]),
    [32767, 49151, 65535],
  );

  net.setWeights(1, [[1, 65535]], 2);
  out = net.epoch(3);
  assert.deepEqual(combinedE(out), [
    40496805n,
    90999783n,
    157929636n,
    210573773n,
    49998779n,
    100000610n,
    149996337n,
    200004272n,
  ]);
  assert.deepEqual(
    [0, 1, 2, 3].map((v) => row(v)[0]),
    [12603, 28321, 49151, 65535],
  );

  net.setWeights(2, [[2, 65535]], 3);
  out = net.epoch(4);
  assert.deepEqual(combinedE(out), [99999999n, 199999999n, 299999999n, 399999999n, 0n, 0n, 0n, 0n]);
  assert.deepEqual(
    [0, 1, 2, 3].map((v) => row(v)[3]),
    [12602, 28320, 49150, 65535],
  );

  net.setWeights(2, [[7, 65535]], 4);
  out = net.epoch(5);
  assert.deepEqual(combinedE(out), [
    36443733n,
    81898628n,
    163565493n,
    218092144n,
    0n,
    0n,
    0n,
    500000000n,
  ]);
  assert.deepEqual([0, 1, 2, 3].map(row), [
    [12601, 12601, 12601, 10951],
    [28319, 28319, 28319, 24609],
    [49149, 49149, 49149, 49150],
    [65535, 65535, 65535, 65535],
  ]);

  out = net.epoch(6);
  assert.deepEqual(combinedE(out), [
    32799427n,
    73706612n,
    168638129n,
    224855830n,
    0n,
    0n,
    0n,
    500000000n,
  ]);
  assert.deepEqual(
    [0, 1, 2, 3].map((v) => row(v)[3]),
    [9559, 21482, 49150, 65535],
  );

  out = net.epoch(7);
  assert.deepEqual(combinedE(out), [
    29518068n,
    66336137n,
    173203134n,
    230942659n,
    0n,
    0n,
    0n,
    500000000n,
  ]);
  assert.deepEqual([0, 1, 2, 3].map(row), [
    [12599, 12599, 12599, 8376],
    [28317, 28317, 28317, 18824],
    [49147, 49147, 49147, 49150],
    [65535, 65535, 65535, 65535],
  ]);
});

test("test_active_stake (epoch.rs l.1354): an inactive validator's stake is masked", () => {
  // 2 validators, 2 servers, stake 1 each, registered at block 0; weights 32767 to each server.
  const net = new Subnet(
    uids(4, () => ({ stake: 1n })),
    { ...MOCK, maxAllowedValidators: 4 },
  );
  net.epoch(0);
  const w: Array<[number, number]> = [
    [2, 32767],
    [3, 32767],
  ];
  net.setWeights(0, w, 1);
  net.setWeights(1, w, 1);
  let out = net.epoch(1);
  for (const v of [0, 1]) assert.equal(out.neurons[v]?.dividends.u16, 32767);
  for (const u of [0, 1, 2, 3])
    assert.equal(out.neurons[u]?.subtensorEmission.combined, 250_000_000n);
  for (const v of [0, 1])
    assert.deepEqual(net.bonds[v], [
      [2, 65535],
      [3, 65535],
    ]);

  // Block 5002: uid 0 refreshes its weights, uid 1 (last update 1) is now inactive.
  net.setWeights(0, w, 5002);
  out = net.epoch(5002);
  assert.equal(out.neurons[1]?.active, false);
  assert.equal(out.neurons[0]?.dividends.u16, 36044);
  assert.equal(out.neurons[0]?.subtensorEmission.combined, 274_999_999n);
  assert.equal(out.neurons[1]?.dividends.u16, 29490);
  assert.equal(out.neurons[1]?.subtensorEmission.combined, 224_999_999n);
  assert.deepEqual(net.bonds[0], [
    [2, 65535],
    [3, 65535],
  ]);
  assert.deepEqual(net.bonds[1], [
    [2, 53619],
    [3, 53619],
  ]);

  // uid 1 refreshes at 5002; epoch at 5003.
  net.setWeights(1, w, 5002);
  out = net.epoch(5003);
  assert.equal(out.neurons[0]?.dividends.u16, 35716);
  assert.equal(out.neurons[0]?.subtensorEmission.combined, 272_501_132n);
  assert.equal(out.neurons[1]?.dividends.u16, 29818);
  assert.equal(out.neurons[1]?.subtensorEmission.combined, 227_498_866n);
  assert.deepEqual(net.bonds[1], [
    [2, 54712],
    [3, 54712],
  ]);
});

test('test_zero_weights (epoch.rs l.1774): fallback to stake, outdated weights, then incentive', () => {
  const tempo = 65534;
  const net = new Subnet(
    uids(2, (i) => ({ stake: i === 0 ? 1n : 0n })),
    {
      ...MOCK,
      tempo,
      maxAllowedValidators: 64,
    },
  );
  // No weights, no permits yet: emission by (unmasked) stake.
  let out = net.epoch(0);
  assert.deepEqual(combinedE(out), [1_000_000_000n, 0n]);
  // Server self-weight only: masked, still no incentive.
  net.setWeights(1, [[1, 65535]], 1);
  out = net.epoch(1);
  assert.deepEqual(combinedE(out), [1_000_000_000n, 0n]);
  // Validator weights the server at block 2, but uid 1 is re-registered at block 2: outdated.
  net.setWeights(0, [[1, 65535]], 2);
  net.uids[1] = { stake: 0n, lastUpdate: 2, registeredAt: 2, weights: [] };
  out = net.epoch(2);
  assert.deepEqual(combinedE(out), [1_000_000_000n, 0n]);
  // Fresh weights at block 3 count: half to the miner, half to the validator.
  net.setWeights(0, [[1, 65535]], 3);
  out = net.epoch(3);
  assert.deepEqual(combinedE(out), [500_000_000n, 500_000_000n]);
});

test('test_512_graph (epoch.rs l.679): 64 validators, 448 servers, uniform weights, 3 epochs', () => {
  for (const interleave of [0, 1]) {
    for (const serverSelf of [false, true]) {
      const isValidator = (i: number): boolean => (interleave === 0 ? i < 64 : i % 8 === 0);
      const servers: number[] = [];
      for (let i = 0; i < 512; i++) if (!isValidator(i)) servers.push(i);
      // u16::MAX / 512 = 127 for every server, max-upscaled by set_weights to 65535.
      const vw: Array<[number, number]> = servers.map((j) => [j, 65535]);
      const net = new Subnet(
        uids(512, (i) => ({ stake: isValidator(i) ? 328_125_000_000_000n : 0n })),
        { ...MOCK, tempo: 65534, maxAllowedValidators: 64 },
      );
      net.epoch(0);
      for (let i = 0; i < 512; i++) {
        if (isValidator(i)) net.setWeights(i, vw, 1);
        else if (serverSelf) net.setWeights(i, [[i, 65535]], 1);
      }
      net.epoch(1);
      net.epoch(1);
      const out = net.epoch(1);
      const server = servers[0] as number;
      for (let i = 0; i < 512; i++) {
        const o = out.neurons[i];
        assert.ok(o);
        if (isValidator(i)) {
          assert.equal(o.consensus.u16, 0);
          assert.equal(o.incentive.u16, 0);
          assert.equal(o.dividends.u16, 1023);
          assert.equal(o.subtensorEmission.combined, 7_812_500n);
          assert.deepEqual(
            pairs(o.newBonds).find(([j]) => j === server),
            [server, 65535],
          );
        } else {
          assert.equal(o.consensus.u16, 146);
          assert.equal(o.incentive.u16, 146);
          assert.equal(o.dividends.u16, 0);
          assert.equal(o.subtensorEmission.combined, 1_116_071n);
          assert.deepEqual(pairs(o.newBonds), []);
        }
      }
    }
  }
});

test('test_yuma_3_liquid_alpha_disabled (epoch.rs l.3228): Yuma3 bonds and dividends within 1e-3', () => {
  // 3 validators (stake 33, 33, 34), 2 servers; kappa 32767, bonds penalty 0, bma 975000,
  // 3 validator permits, registered at block 1, tempo 1.
  const net = new Subnet(
    uids(5, (i) => ({
      stake: [33n, 33n, 34n, 0n, 0n][i] as bigint,
      lastUpdate: 1,
      registeredAt: 1,
    })),
    { ...MOCK, yuma3: true, bondsPenalty: 0, bondsMovingAverage: 975_000, maxAllowedValidators: 3 },
  );
  net.epoch(2);
  // Bond targets are [bond to uid 2, uid 3, uid 4] per validator.
  const bondTargets = [
    [
      [0, 0.025, 0],
      [0, 0.025, 0],
      [0, 0.025, 0],
    ],
    [
      [0, 0.0494, 0],
      [0, 0.0494, 0],
      [0, 0.0494, 0],
    ],
    [
      [0, 0.0731, 0],
      [0, 0.0731, 0],
      [0, 0.0481, 0.025],
    ],
    [
      [0, 0.0963, 0],
      [0, 0.0963, 0],
      [0, 0.0719, 0.0244],
    ],
    [
      [0, 0.1189, 0],
      [0, 0.1189, 0],
      [0, 0.0951, 0.0238],
    ],
    [
      [0, 0.1409, 0],
      [0, 0.1409, 0],
      [0, 0.1178, 0.0232],
    ],
  ];
  const dividendTargets = [
    [0.33, 0.33, 0.34, 0, 0],
    [0.33, 0.33, 0.34, 0, 0],
    [0.3734, 0.3734, 0.2532, 0, 0],
    [0.3611, 0.3611, 0.2779, 0, 0],
    [0.3541, 0.3541, 0.2919, 0, 0],
    [0.3495, 0.3495, 0.3009, 0, 0],
  ];
  for (let e = 0; e < 6; e++) {
    const block = 2 + e;
    for (let v = 0; v < 3; v++) {
      const toServer2 = e === 2 && v === 2;
      net.setWeights(
        v,
        toServer2
          ? [
              [3, 0],
              [4, 65535],
            ]
          : [
              [3, 65535],
              [4, 0],
            ],
        block,
      );
    }
    const out = net.epoch(block + 1);
    for (let u = 0; u < 5; u++) {
      const got = (out.neurons[u]?.dividends.u16 as number) / 65535;
      assert.ok(
        Math.abs(got - (dividendTargets[e]?.[u] as number)) <= 1e-3,
        `epoch ${e} dividends[${u}] ${got}`,
      );
    }
    for (let v = 0; v < 3; v++) {
      const bonds = new Map(net.bonds[v]);
      for (let c = 0; c < 3; c++) {
        const got = (bonds.get(2 + c) ?? 0) / 65535;
        const want = bondTargets[e]?.[v]?.[c] as number;
        assert.ok(
          Math.abs(got - want) <= 1e-3,
          `epoch ${e} bond[${v}][${2 + c}] ${got} vs ${want}`,
        );
      }
    }
  }
});
