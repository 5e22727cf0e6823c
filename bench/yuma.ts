// Epoch time of yumaEpoch for subnets of growing size with dense-ish random weights (seeded).
// Prints one table. Run: ./node_modules/.bin/node bench/yuma.ts
import {
  yumaEpoch,
  type U16Row,
  type YumaInput,
  type YumaNeuronInput,
} from '../electron/node/incentive/yuma.ts';

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * n uids; the first v validators weight ~75% of all uids at random and hold bonds on ~50%.
 * `packed`: rows as { uids, values } typed arrays (what yumaEpoch outputs for bonds);
 * otherwise as [uid, value] tuples.
 */
function subnet(n: number, v: number, yuma3: boolean, seed: number, packed: boolean): YumaInput {
  const r = xorshift(seed);
  const neurons: YumaNeuronInput[] = [];
  const row = (cols: number[], vals: number[]): U16Row =>
    packed
      ? { uids: Uint16Array.from(cols), values: Uint16Array.from(vals) }
      : cols.map((j, t) => [j, vals[t] as number] as [number, number]);
  for (let i = 0; i < n; i++) {
    const isV = i < v;
    const wc: number[] = [];
    const wv: number[] = [];
    const bc: number[] = [];
    const bv: number[] = [];
    if (isV) {
      for (let j = 0; j < n; j++) {
        if (r() % 4 !== 0) {
          wc.push(j);
          wv.push(1 + (r() % 65535));
        }
        if (r() % 2 === 0) {
          bc.push(j);
          bv.push(r() % 65536);
        }
      }
    }
    neurons.push({
      stake: isV ? BigInt(1 + (r() % 100_000)) * 1_000_000_000n : BigInt(r() % 1_000_000),
      validatorPermit: isV,
      lastUpdate: 99_000 + (r() % 1000),
      registeredAt: r() % 90_000,
      weights: row(wc, wv),
      bonds: row(bc, bv),
    });
  }
  return {
    tempo: 360,
    activityCutoff: 5000,
    kappa: 32767,
    bondsMovingAverage: 900_000,
    bondsPenalty: 65535,
    maxAllowedValidators: v,
    yuma3,
    currentBlock: 100_000,
    neurons,
    subnetEmission: 360_000_000_000n,
  };
}

function time(input: YumaInput): number {
  yumaEpoch(input); // warm-up
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    yumaEpoch(input);
    t.push(performance.now() - t0);
  }
  return median(t);
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const sizes: Array<[number, number]> = [
  [256, 64],
  [512, 64],
  [1024, 128],
  [2048, 128],
  [4096, 256],
];
const runs = 7;
const rows: string[] = [];
rows.push(
  '| uids | validators | weights | original Yuma ms | Yuma3 ms | Yuma3, tuple rows ms | µs per weight (Yuma3) |',
);
rows.push('|---:|---:|---:|---:|---:|---:|---:|');
for (const [n, v] of sizes) {
  const seed = n * 31 + v;
  const y3 = subnet(n, v, true, seed, true);
  const nnz = y3.neurons.reduce(
    (a, u) => a + ((u.weights as { uids: Uint16Array } | undefined)?.uids.length ?? 0),
    0,
  );
  const tOrig = time(subnet(n, v, false, seed, true));
  const tY3 = time(y3);
  const tTuples = time(subnet(n, v, true, seed, false));
  rows.push(
    `| ${n} | ${v} | ${nnz} | ${tOrig.toFixed(1)} | ${tY3.toFixed(1)} | ${tTuples.toFixed(1)} | ${((tY3 * 1000) / nnz).toFixed(3)} |`,
  );
}
console.log(`yumaEpoch, median of ${runs} runs after one warm-up, Node ${process.version}`);
console.log(rows.join('\n'));
