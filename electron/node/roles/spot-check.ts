/**
 * Which answers the validator verifies (research/proof-of-inference.md §5.3.6). Verification is a
 * teacher-forced pass over the whole answer, much cheaper than generating it but not free, so a
 * validator with many miners checks a sample. The sample must be unpredictable to the miner (it
 * is decided after the answer arrived, from the validator's secret), must reach every miner often
 * enough for the epoch's fail-rate cut to mean something (minChecked per epoch), and must be
 * auditable after the secret is revealed.
 */
import { encodeCanonical } from '../chain/codec.ts';
import { hash256 } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';
import { isCount, isUnit, ScoringErrorCode } from './scoring.ts';

function badInput(field: string, message: string): NoesisError {
  return new NoesisError(ScoringErrorCode.BAD_INPUT, message, { field });
}

export interface SpotCheckPlan {
  /** Checked answers each miner must have per epoch before sampling starts (10). */
  minChecked: number;
  /** Tasks the validator expects to send each miner per epoch. */
  expectedTasksPerEpoch: number;
  /** Lowest probability of checking an answer once a miner has minChecked checked answers. */
  baseRate: number;
}

export interface MinerCheckState {
  checkedThisEpoch: number;
  sentThisEpoch: number;
}

/**
 * Probability of checking an answer after the warm-up: at least `baseRate`, and at least
 * minChecked / expectedTasksPerEpoch. The warm-up (every answer checked until minChecked) is
 * predictable, so a miner could answer honestly through it and cheat afterwards; the second bound
 * keeps about minChecked more unpredictable checks in the rest of the epoch, so such a miner
 * still meets ~10 checks, fails them, and crosses failRateCut (research §5.3.6: a cheat caught
 * per check with probability d escapes k checks with probability (1 − d)^k, about 1e-5 at
 * d = 0.68, k = 10).
 */
export function spotCheckRate(plan: SpotCheckPlan): number {
  checkPlan(plan);
  const spread = plan.expectedTasksPerEpoch > 0 ? plan.minChecked / plan.expectedTasksPerEpoch : 1;
  return Math.min(1, Math.max(plan.baseRate, spread));
}

function checkPlan(plan: SpotCheckPlan): void {
  if (!isCount(plan.minChecked)) throw badInput('minChecked', 'minChecked must be a count');
  if (!isCount(plan.expectedTasksPerEpoch)) {
    throw badInput('expectedTasksPerEpoch', 'expectedTasksPerEpoch must be a count');
  }
  if (!isUnit(plan.baseRate)) throw badInput('baseRate', 'baseRate must be in [0, 1]');
}

/**
 * Whether to verify an answer, decided after it arrived (so the miner could not know while
 * answering) from blake2b-256(CBOR ["noesis-check", epochSecret, taskId]): the miner cannot
 * compute it without the secret, and after the reveal anyone can confirm which answers were
 * checked. Always true until the miner has `minChecked` checked answers this epoch, and for an
 * answer the caller flags as unusually fast; otherwise true with probability `spotCheckRate`.
 */
export function shouldVerify(
  epochSecret: Uint8Array,
  taskId: string,
  minerState: MinerCheckState,
  plan: SpotCheckPlan,
  answer: { unusuallyFast?: boolean } = {},
): boolean {
  if (!(epochSecret instanceof Uint8Array) || epochSecret.length < 16) {
    throw badInput('epochSecret', 'the epoch secret must be at least 16 bytes');
  }
  if (typeof taskId !== 'string' || taskId.length === 0) throw badInput('taskId', 'empty task id');
  if (!isCount(minerState.checkedThisEpoch) || !isCount(minerState.sentThisEpoch)) {
    throw badInput('minerState', 'counts must be non-negative integers');
  }
  const rate = spotCheckRate(plan);
  if (minerState.checkedThisEpoch < plan.minChecked) return true;
  if (answer.unusuallyFast === true) return true;
  return checkDraw(epochSecret, taskId) < rate;
}

/** The uniform draw in [0, 1) behind `shouldVerify`, from the first 53 bits of the hash. */
export function checkDraw(epochSecret: Uint8Array, taskId: string): number {
  const h = hash256(encodeCanonical(['noesis-check', epochSecret, taskId]));
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const hi32 = view.getUint32(0);
  const lo21 = view.getUint32(4) >>> 11;
  return (hi32 * 2 ** 21 + lo21) / 2 ** 53;
}
