/**
 * Registration economics, integer-only: the burn that rises with demand and decays when idle
 * (subtensor registration.rs), the choice of the neuron a newcomer replaces when a subnet is full,
 * and the subnet lock cost (subtensor's doubling-then-linear-decay rule).
 */
import type { Hex } from './crypto.ts';
import type { Neuron, Subnet, SubnetParams } from './types.ts';

const Q32 = 1n << 32n;
const TAO = 1_000_000_000n;

/** The first registration burn of a subnet: 1 TAO (subtensor) clamped to [minBurn, maxBurn]. */
export function initialBurn(p: SubnetParams): bigint {
  return TAO < p.minBurn ? p.minBurn : TAO > p.maxBurn ? p.maxBurn : TAO;
}

function powQ32(f: bigint, n: number): bigint {
  let result = Q32;
  let base = f;
  let e = n;
  while (e > 0) {
    if (e & 1) result = (result * base) >> 32n;
    base = (base * base) >> 32n;
    e >>= 1;
  }
  return result;
}

const decayCache = new Map<number, bigint>();

/** The largest Q32 factor f with f^halfLife ≤ 1/2 (subtensor's decay_factor_q32). */
export function decayFactorQ32(halfLife: number): bigint {
  if (halfLife <= 0) return 0n;
  const hit = decayCache.get(halfLife);
  if (hit !== undefined) return hit;
  let lo = 0n;
  let hi = Q32 - 1n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (powQ32(mid, halfLife) <= Q32 >> 1n) lo = mid;
    else hi = mid - 1n;
  }
  decayCache.set(halfLife, lo);
  return lo;
}

function clamp(v: bigint, lo: bigint, hi: bigint): bigint {
  return v < lo ? lo : v > hi ? hi : v;
}

/** One block of decay: burn ← ⌊burn · f⌋, clamped to [minBurn, maxBurn]. */
export function decayBurn(burn: bigint, p: SubnetParams): bigint {
  return clamp((burn * decayFactorQ32(p.burnHalfLife)) >> 32n, p.minBurn, p.maxBurn);
}

/** After a registration: burn ← ⌊burn · num / den⌋, clamped. */
export function raiseBurn(burn: bigint, p: SubnetParams): bigint {
  return clamp(
    (burn * BigInt(p.burnIncreaseNum)) / BigInt(p.burnIncreaseDen),
    p.minBurn,
    p.maxBurn,
  );
}

export function isImmune(neuron: Neuron, subnet: Subnet, height: number): boolean {
  return (
    neuron.hotkey === subnet.ownerHotkey ||
    height - neuron.registeredAt < subnet.params.immunityPeriod
  );
}

/**
 * The uid a newcomer replaces in a full subnet: among neurons outside their immunity period (the
 * owner's hotkey is always immune), the lowest last-epoch emission, then the earliest
 * registration, then the lowest uid (subtensor get_neuron_to_prune). Null when all are immune:
 * unlike subtensor we then refuse the registration rather than evict an immune neuron.
 */
export function pruneCandidate(subnet: Subnet, height: number): number | null {
  let best: Neuron | null = null;
  for (const n of subnet.neurons) {
    if (isImmune(n, subnet, height)) continue;
    if (
      best === null ||
      n.emission < best.emission ||
      (n.emission === best.emission && n.registeredAt < best.registeredAt)
    ) {
      best = n;
    }
  }
  return best === null ? null : best.uid;
}

export function freshNeuron(uid: number, hotkey: Hex, coldkey: Hex, height: number): Neuron {
  return {
    uid,
    hotkey,
    coldkey,
    registeredAt: height,
    lastUpdate: height,
    validatorPermit: false,
    active: true,
    rank: 0,
    trust: 0,
    consensus: 0,
    incentive: 0,
    dividends: 0,
    validatorTrust: 0,
    pruningScore: 0,
    emission: 0n,
    axon: null,
    weights: [],
    bonds: [],
    commits: [],
    proof: null,
  };
}

/**
 * Replaces uid `uid` by a new neuron: the old occupant's weights, bonds, commits and proof
 * commitment go, and every other neuron's weight on this uid is set to 0 (kept as an entry, as
 * subtensor's clear_neuron).
 */
export function replaceNeuron(subnet: Subnet, uid: number, fresh: Neuron): Neuron[] {
  return subnet.neurons.map((n) => {
    if (n.uid === uid) return fresh;
    if (!n.weights.some(([u]) => u === uid)) return n;
    return { ...n, weights: n.weights.map(([u, w]) => [u, u === uid ? 0 : w] as const) };
  });
}

/** Subnet lock cost: max(minLock, 2·last − last·(blocks since)/interval) (subtensor). */
export function lockCost(
  lastLock: bigint,
  lastLockBlock: number,
  height: number,
  minLock: bigint,
  interval: number,
): bigint {
  const since = BigInt(Math.max(0, height - lastLockBlock));
  const decay = interval > 0 ? (lastLock * since) / BigInt(interval) : lastLock * 2n;
  const cost = lastLock * 2n - decay;
  return cost < minLock ? minLock : cost;
}
