// A tiny chain stand-in for epoch tests: keeps permits and bonds between epochs the way subtensor
// persists them (new permits and new bond rows become the next epoch's inputs).
import {
  yumaEpoch,
  type U16Row,
  type YumaNeuronInput,
  type YumaOutput,
  type YumaParams,
} from '../../../electron/node/incentive/yuma.ts';

export interface SimUid {
  stake: bigint;
  lastUpdate: number;
  registeredAt: number;
  weights: U16Row;
}

export class Subnet {
  uids: SimUid[];
  permits: boolean[];
  bonds: Array<Array<[number, number]>>;
  params: Omit<YumaParams, 'currentBlock'>;
  emission: bigint;

  constructor(uids: SimUid[], params: Omit<YumaParams, 'currentBlock'>, emission = 1_000_000_000n) {
    this.uids = uids;
    this.params = params;
    this.emission = emission;
    this.permits = uids.map(() => false);
    this.bonds = uids.map(() => []);
  }

  /** Sets a uid's weights at `block` (updates its last-update block like `set_weights`). */
  setWeights(uid: number, weights: U16Row, block: number): void {
    const u = this.uids[uid] as SimUid;
    u.weights = weights;
    u.lastUpdate = block;
  }

  epoch(currentBlock: number): YumaOutput {
    const neurons: YumaNeuronInput[] = this.uids.map((u, i) => ({
      stake: u.stake,
      validatorPermit: this.permits[i] as boolean,
      lastUpdate: u.lastUpdate,
      registeredAt: u.registeredAt,
      weights: u.weights,
      bonds: this.bonds[i] as Array<[number, number]>,
    }));
    const out = yumaEpoch({ ...this.params, currentBlock, neurons, subnetEmission: this.emission });
    this.permits = out.neurons.map((o) => o.validatorPermit);
    this.bonds = out.neurons.map((o) => pairs(o.newBonds));
    return out;
  }
}

/** A packed row as `[uid, value]` pairs, for assertions. */
export function pairs(row: {
  uids: ArrayLike<number>;
  values: ArrayLike<number>;
}): Array<[number, number]> {
  return Array.from(row.uids, (j, t) => [j, row.values[t] as number]);
}

export function uids(n: number, f: (i: number) => Partial<SimUid>): SimUid[] {
  return Array.from({ length: n }, (_, i) => ({
    stake: 0n,
    lastUpdate: 0,
    registeredAt: 0,
    weights: [],
    ...f(i),
  }));
}

/** Deterministic xorshift32 PRNG for reproducible random graphs. */
export function xorshift(seed: number): () => number {
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
