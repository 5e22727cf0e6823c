/**
 * Emission: what is minted each block, how it is split among subnets, and how each subnet's
 * epoch pays it out. Integer-only; every rao minted is accounted for (paid, or left pending).
 *
 * Rule (docs/chain.md §Emission):
 *  1. Block emission E = ⌊blockEmission / 2^k⌋ where k is the number of halvings reached: the
 *     k-th halving happens when total issuance reaches maxSupply·(1 − 2^−k) (10.5 M, 15.75 M,
 *     18.375 M … TAO for a 21 M cap), as subtensor's block_emission; E never takes issuance past
 *     maxSupply. Recycled rao (fees, burns) lowers issuance and so is issued again.
 *  2. E is split equally among subnets that have at least one neuron, ascending by netuid; the
 *     remainder E mod n goes one rao each to the lowest netuids. With no such subnet nothing is
 *     minted. (Subtensor splits by subnet token prices, which Noesis does not have.)
 *  3. A subnet's share accumulates in `pending`. Every `tempo` blocks its epoch runs: the owner
 *     cut (subnetOwnerCut/65535 of pending) goes to the owner coldkey's free balance; Yuma splits
 *     the rest into miner incentive and validator dividends per uid. Miner incentive is staked to
 *     the miner's hotkey for its owner coldkey. Validator dividends: the take (take/65535) is
 *     staked for the hotkey's owner, the rest is staked pro rata to every coldkey staking on the
 *     hotkey (owner included), each share floored; the dust of that division goes to the owner.
 *     What Yuma could not pay (no stake at all) stays pending for the next epoch.
 */
import type { StateDraft } from './draft.ts';
import { runSubnetEpoch } from './epoch.ts';
import { decayBurn } from './registration.ts';
import type { Subnet } from './types.ts';

const U16_MAX = 65535n;

export function halvings(issuance: bigint, maxSupply: bigint): number {
  let k = 0;
  while (k < 64 && issuance >= maxSupply - (maxSupply >> BigInt(k + 1))) k++;
  return k;
}

export function blockEmission(issuance: bigint, blockEmission0: bigint, maxSupply: bigint): bigint {
  if (issuance >= maxSupply) return 0n;
  const e = blockEmission0 >> BigInt(halvings(issuance, maxSupply));
  const room = maxSupply - issuance;
  return e < room ? e : room;
}

/** End of block `height`: decay burns, mint and split emission, run due epochs. */
export function endBlock(d: StateDraft, height: number): void {
  const subnets = d.subnetList();
  const eligible = subnets.filter((s) => s.neurons.length > 0);
  const e =
    eligible.length === 0
      ? 0n
      : blockEmission(d.s.totalIssuance, d.params.blockEmission, d.params.maxSupply);
  const n = BigInt(eligible.length);
  const share = n === 0n ? 0n : e / n;
  let remainder = n === 0n ? 0n : e % n;
  d.s.totalIssuance += e;
  for (const s of subnets) {
    let pending = s.pending;
    if (s.neurons.length > 0 && n > 0n) {
      pending += share;
      if (remainder > 0n) {
        pending += 1n;
        remainder--;
      }
    }
    let next: Subnet = { ...s, pending, burn: decayBurn(s.burn, s.params) };
    if (height - s.lastEpochBlock >= s.params.tempo) next = runEpoch(d, next, height);
    d.setSubnet(next);
  }
}

function runEpoch(d: StateDraft, s: Subnet, height: number): Subnet {
  const p = d.params;
  let pending = s.pending;
  const ownerCut = (pending * BigInt(p.subnetOwnerCut)) / U16_MAX;
  if (ownerCut > 0n) {
    d.credit(s.owner, ownerCut);
    d.events.push({
      type: 'payout',
      netuid: s.netuid,
      coldkey: s.owner,
      hotkey: s.ownerHotkey,
      kind: 'owner_cut',
      amount: ownerCut,
    });
  }
  pending -= ownerCut;
  // Expired commits (reveal epoch passed) are dropped before Yuma reads the commit mask.
  const epochNow = s.epochCount;
  const withLiveCommits = s.neurons.map((nr) =>
    nr.commits.some((c) => c.epoch + s.params.revealPeriodEpochs < epochNow)
      ? {
          ...nr,
          commits: nr.commits.filter((c) => c.epoch + s.params.revealPeriodEpochs >= epochNow),
        }
      : nr,
  );
  const outcome = runSubnetEpoch(
    { ...s, neurons: withLiveCommits },
    (hk) => d.hotkey(hk)?.totalStake ?? 0n,
    pending,
    height,
  );
  let paid = 0n;
  for (const po of outcome.payouts) {
    if (po.miner > 0n) {
      d.changeStake(po.hotkey, po.coldkey, po.miner);
      paid += po.miner;
      d.events.push({
        type: 'payout',
        netuid: s.netuid,
        coldkey: po.coldkey,
        hotkey: po.hotkey,
        kind: 'incentive',
        amount: po.miner,
      });
    }
    if (po.validator > 0n) {
      payDividends(d, s.netuid, po.hotkey, po.validator);
      paid += po.validator;
    }
  }
  if (paid > pending) throw new Error(`epoch paid ${paid} of ${pending} pending rao`);
  d.events.push({
    type: 'epoch',
    netuid: s.netuid,
    block: height,
    neurons: outcome.neurons.map((nr, i) => ({
      uid: nr.uid,
      hotkey: nr.hotkey,
      coldkey: nr.coldkey,
      stake: outcome.payouts[i]?.stake ?? 0n,
      rank: nr.rank,
      trust: nr.trust,
      consensus: nr.consensus,
      incentive: nr.incentive,
      dividends: nr.dividends,
      validatorTrust: nr.validatorTrust,
      emission: nr.emission,
      validatorPermit: nr.validatorPermit,
    })),
  });
  return {
    ...s,
    neurons: outcome.neurons,
    pending: pending - paid,
    lastEpochBlock: height,
    epochCount: s.epochCount + 1,
  };
}

/** A validator's dividends: take to the owner, the rest pro rata to its stakers. */
export function payDividends(d: StateDraft, netuid: number, hotkey: string, amount: bigint): void {
  const rec = d.hotkey(hotkey);
  if (rec === undefined) throw new Error(`dividends for unknown hotkey ${hotkey}`);
  const take = (amount * BigInt(rec.take)) / U16_MAX;
  const rest = amount - take;
  const shares: Array<[string, bigint]> = [];
  let given = 0n;
  if (rec.totalStake > 0n) {
    for (const [coldkey, stake] of rec.stakes) {
      const part = (rest * stake) / rec.totalStake;
      if (part > 0n) shares.push([coldkey, part]);
      given += part;
    }
  }
  const ownerExtra = take + (rest - given);
  for (const [coldkey, part] of shares) {
    d.changeStake(hotkey, coldkey, part);
    d.events.push({ type: 'payout', netuid, coldkey, hotkey, kind: 'dividend', amount: part });
  }
  if (ownerExtra > 0n) {
    d.changeStake(hotkey, rec.owner, ownerExtra);
    d.events.push({
      type: 'payout',
      netuid,
      coldkey: rec.owner,
      hotkey,
      kind: 'take',
      amount: ownerExtra,
    });
  }
}
