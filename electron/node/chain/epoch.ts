/**
 * The one place the chain calls the incentive module: a subnet's epoch, from chain state to
 * Yuma's inputs and back. Pure. Yuma (incentive/yuma.ts, a bit-exact port of subtensor's sparse
 * epoch) decides the numbers; this file only maps state in and results out.
 */
import type { Hex } from './crypto.ts';
import { yumaEpoch, type YumaNeuronInput } from '../incentive/yuma.ts';
import type { Neuron, Subnet } from './types.ts';

export interface EpochPayout {
  uid: number;
  hotkey: Hex;
  coldkey: Hex;
  stake: bigint;
  miner: bigint;
  validator: bigint;
}

export interface EpochOutcome {
  /** The subnet's neurons with this epoch's results, permits and bonds written in. */
  neurons: Neuron[];
  payouts: EpochPayout[];
  /** Rao nobody could be paid (no stake anywhere): it stays pending for the next epoch. */
  unallocated: bigint;
}

/** Earliest non-expired weight commit block of a neuron (the commit-reveal column mask). */
function earliestCommit(n: Neuron): number | undefined {
  let best: number | undefined;
  for (const c of n.commits) if (best === undefined || c.block < best) best = c.block;
  return best;
}

export function runSubnetEpoch(
  subnet: Subnet,
  stakeOf: (hotkey: Hex) => bigint,
  emission: bigint,
  height: number,
): EpochOutcome {
  const p = subnet.params;
  const stakes = subnet.neurons.map((n) => stakeOf(n.hotkey));
  const ownerUid = subnet.neurons.find((n) => n.hotkey === subnet.ownerHotkey)?.uid ?? null;
  const inputs: YumaNeuronInput[] = subnet.neurons.map((n, i) => {
    const input: YumaNeuronInput = {
      stake: stakes[i] as bigint,
      validatorPermit: n.validatorPermit,
      lastUpdate: n.lastUpdate,
      registeredAt: n.registeredAt,
      weights: n.weights,
      bonds: n.bonds,
    };
    const commit = p.commitReveal ? earliestCommit(n) : undefined;
    if (commit !== undefined) input.commitBlock = commit;
    return input;
  });
  const out = yumaEpoch({
    neurons: inputs,
    subnetEmission: emission,
    currentBlock: height,
    tempo: p.tempo,
    activityCutoff: p.activityCutoff,
    kappa: p.kappa,
    bondsMovingAverage: p.bondsMovingAverage,
    bondsPenalty: p.bondsPenalty,
    maxAllowedValidators: p.maxValidators,
    yuma3: p.yuma3,
    ownerUid,
    lastEpochBlock: subnet.lastEpochBlock,
  });
  const neurons: Neuron[] = [];
  const payouts: EpochPayout[] = [];
  subnet.neurons.forEach((n, i) => {
    const r = out.neurons[i];
    if (r === undefined) throw new Error(`yuma returned no result for uid ${i}`);
    neurons.push({
      ...n,
      active: r.active,
      validatorPermit: r.validatorPermit,
      rank: r.rank.u16,
      trust: r.trust.u16,
      consensus: r.consensus.u16,
      incentive: r.incentive.u16,
      dividends: r.dividends.u16,
      validatorTrust: r.validatorTrust.u16,
      pruningScore: r.pruningScore.u16,
      emission: r.emission,
      bonds: Array.from(r.newBonds.uids, (u, k) => [u, r.newBonds.values[k] as number] as const),
    });
    payouts.push({
      uid: n.uid,
      hotkey: n.hotkey,
      coldkey: n.coldkey,
      stake: stakes[i] as bigint,
      miner: r.minerEmission,
      validator: r.validatorEmission,
    });
  });
  return { neurons, payouts, unallocated: out.unallocated };
}
