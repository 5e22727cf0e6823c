/**
 * The validator's scoring, pure (research/proof-of-inference.md §5.4, §5.5): the score of one answer, the epoch score and EMA of each miner, and the u16
 * weights set on chain. Scores are numbers in [0, 1]: they rank miners and never touch a balance;
 * the chain turns the u16 weights into rao through Yuma with its own fixed-point arithmetic.
 *
 * One EpochBook per validator epoch: the validator records every task it sent and every result,
 * then `closeEpoch` folds the book into the EMA carried from the previous epoch.
 */
import { isHex, type Hex } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';
import { U16_MAX } from '../incentive/fixed.ts';
import type { MinerCheckState } from './spot-check.ts';

export const ScoringErrorCode = {
  /** A scoring input is out of range (a score outside [0, 1], a negative time, a bad uid or hotkey); data: { field }. */
  BAD_INPUT: 'SCORING_BAD_INPUT',
} as const;

function badInput(field: string, message: string, data: Record<string, unknown> = {}): NoesisError {
  return new NoesisError(ScoringErrorCode.BAD_INPUT, message, { field, ...data });
}

/** What happened to a task on the wire. */
export type TaskOutcome = 'ok' | 'timeout' | 'refused' | 'error';
/** What the interaction log records for a task: the outcome and, for answers, the check. */
export const INTERACTION_RESULTS = [
  'pass',
  'fail',
  'unchecked',
  'timeout',
  'refused',
  'error',
] as const;
export type InteractionResult = (typeof INTERACTION_RESULTS)[number];

// ---------------------------------------------------------------------------------------------
// One answer (§5.4)

export interface TaskObservation {
  outcome: TaskOutcome;
  /** true: passed the check; false: failed it; null: not checked. */
  verified: boolean | null;
  /** Validator's clock: first streamed token arrival − request send. */
  ttftMs: number | null;
  /** Validator's clock: (n − 1) / (last token − first token); null for a one-token answer. */
  tokensPerSecond: number | null;
}

/** Medians of the round's verified miners; null (or ≤ 0) when there is none yet. */
export interface SpeedRefs {
  ttftRef: number | null;
  tpsRef: number | null;
}

export type TaskScoreReason =
  'timeout' | 'refused' | 'error' | 'failed-check' | 'verified' | 'unchecked';

export interface TaskScore {
  score: number;
  reason: TaskScoreReason;
  /** The interaction log's result for this task. */
  result: InteractionResult;
}

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function checkRef(value: number | null, field: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) throw badInput(field, `bad ${field}`);
  return value > 0 && Number.isFinite(value) ? value : null;
}

/**
 * 0 for a timeout, a refusal, an error or a failed check; otherwise 0.5 + 0.5 · speed with
 * speed = clip(ttftRef / ttft, 0.3, 1)^0.3 · clip(tps / tpsRef, 0.3, 1)^0.7. A correct but slow
 * answer keeps at least 0.65; speed at most doubles the part above 0.5, so correctness comes
 * first. A factor whose reference is missing (no verified miner yet) or whose measure is missing
 * (a one-token answer has no rate) counts as 1. Unchecked answers score like verified ones: the
 * unpredictable spot check and the epoch cut are what make cheating on them unprofitable.
 */
export function taskScore(obs: TaskObservation, refs: SpeedRefs): TaskScore {
  if (obs.outcome === 'timeout' || obs.outcome === 'refused' || obs.outcome === 'error') {
    return { score: 0, reason: obs.outcome, result: obs.outcome };
  }
  if (obs.outcome !== 'ok') throw badInput('outcome', 'unknown outcome');
  if (obs.verified === false) return { score: 0, reason: 'failed-check', result: 'fail' };
  if (obs.verified !== true && obs.verified !== null) throw badInput('verified', 'bad verified');
  const ttft = obs.ttftMs;
  if (typeof ttft !== 'number' || !Number.isFinite(ttft) || ttft < 0) {
    throw badInput('ttftMs', 'an answer needs a time to first token ≥ 0');
  }
  const tps = obs.tokensPerSecond;
  if (tps !== null && (typeof tps !== 'number' || !Number.isFinite(tps) || tps < 0)) {
    throw badInput('tokensPerSecond', 'tokens per second must be ≥ 0 or null');
  }
  const ttftRef = checkRef(refs.ttftRef, 'ttftRef');
  const tpsRef = checkRef(refs.tpsRef, 'tpsRef');
  const latency = ttftRef === null || ttft === 0 ? 1 : clip(ttftRef / ttft, 0.3, 1);
  const rate = tpsRef === null || tps === null ? 1 : clip(tps / tpsRef, 0.3, 1);
  const speed = latency ** 0.3 * rate ** 0.7;
  const score = 0.5 + 0.5 * speed;
  return obs.verified
    ? { score, reason: 'verified', result: 'pass' }
    : { score, reason: 'unchecked', result: 'unchecked' };
}

/** The middle finite value (mean of the two middle ones for an even count); null for none. */
export function median(values: ReadonlyArray<number | null | undefined>): number | null {
  const v = values
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1
    ? (v[mid] as number)
    : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** The round's references: medians over the answers that passed their check. */
export function roundRefs(
  answers: ReadonlyArray<{
    verified: boolean | null;
    ttftMs: number | null;
    tokensPerSecond: number | null;
  }>,
): SpeedRefs {
  const ok = answers.filter((a) => a.verified === true);
  return {
    ttftRef: median(ok.flatMap((a) => (a.ttftMs === null ? [] : [a.ttftMs]))),
    tpsRef: median(ok.flatMap((a) => (a.tokensPerSecond === null ? [] : [a.tokensPerSecond]))),
  };
}

/** A score as the integer the interaction log's Merkle leaf carries (0..1,000,000). */
export function scoreToMicro(score: number): number {
  if (!isUnit(score)) throw badInput('score', 'a score must be in [0, 1]', { score });
  return Math.round(score * 1_000_000);
}

// ---------------------------------------------------------------------------------------------
// Epoch (§5.5)

export interface EpochParams {
  /**
   * EMA weight of the new epoch. 0.1 is the research default (Bittensor template): a miner's
   * weight follows ten epochs or so. On a devnet with short tempos the lead may pass 0.5 so a
   * test sees a miner's weight move within two or three epochs.
   */
  alpha: number;
  /** Fail rate of checked answers at or above which the epoch is zeroed and the EMA reset. */
  failRateCut: number;
  /** Checked answers per epoch the spot checks aim for (research: the cut applies from here). */
  minChecked: number;
  /**
   * The cut applies from this many checked answers even below minChecked: a devnet tempo is
   * short, a miner may get only a few checks per epoch, and a cheat should not survive by
   * staying under minChecked. 3 because one honest near-tie among 3 checks is already 33 %.
   */
  earlyCutMinChecked: number;
  /** Exponent of the weights (`weightsFromEma`). */
  exponent: number;
}

export const DEFAULT_EPOCH_PARAMS: Readonly<EpochParams> = Object.freeze({
  alpha: 0.1,
  failRateCut: 0.15,
  minChecked: 10,
  earlyCutMinChecked: 3,
  exponent: 2,
});

export interface MinerTally {
  uid: number;
  hotkey: Hex;
  /** Tasks sent (at least the number of results recorded). */
  sent: number;
  scores: number[];
  /** Results that were answers: pass, fail or unchecked. */
  answered: number;
  checked: number;
  failed: number;
  /** Checks begun and not yet recorded. */
  pending: number;
  /** Order of last activity, so the latest hotkey on a uid wins when no neuron list is given. */
  touched: number;
}

export type EpochReason = 'scored' | 'failed-checks' | 'no-answers' | 'not-sent';

export interface MinerEpochResult {
  uid: number;
  hotkey: Hex;
  /** Mean task score over tasks sent (timeouts count as 0); null when nothing was sent. */
  epochScore: number | null;
  ema: number;
  /** The EMA was set to 0 by the fail-rate cut. */
  reset: boolean;
  reason: EpochReason;
  /** The hotkey had no EMA before (a new registration starts from 0). */
  fresh: boolean;
  sent: number;
  answered: number;
  checked: number;
  failed: number;
}

export interface EpochClose {
  /** One per miner, by uid. */
  miners: MinerEpochResult[];
  /** The EMA to pass to the next closeEpoch. */
  ema: Map<Hex, number>;
  /** The same EMA by uid, for weightsFromEma. */
  emaByUid: Map<number, number>;
}

export class EpochBook {
  private readonly tallies = new Map<string, MinerTally>();
  private clock = 0;

  private tally(uid: number, hotkey: Hex): MinerTally {
    if (!isCount(uid)) throw badInput('uid', 'bad uid', { uid });
    if (!isHex(hotkey, 32)) throw badInput('hotkey', 'a hotkey is 32-byte hex');
    const key = `${uid}:${hotkey}`;
    let t = this.tallies.get(key);
    if (t === undefined) {
      t = {
        uid,
        hotkey,
        sent: 0,
        scores: [],
        answered: 0,
        checked: 0,
        failed: 0,
        pending: 0,
        touched: 0,
      };
      this.tallies.set(key, t);
    }
    t.touched = ++this.clock;
    return t;
  }

  /** A task was sent to this miner. */
  sent(uid: number, hotkey: Hex): void {
    this.tally(uid, hotkey).sent += 1;
  }

  /** A check of this miner's answer started; counted by `minerState` until its result is recorded. */
  beginCheck(uid: number, hotkey: Hex): void {
    this.tally(uid, hotkey).pending += 1;
  }

  /** The result of one task; a result that is not an answer, or a failed check, must score 0. */
  record(uid: number, hotkey: Hex, r: { result: InteractionResult; score: number }): void {
    if (!INTERACTION_RESULTS.includes(r.result)) throw badInput('result', 'unknown result');
    if (!isUnit(r.score)) throw badInput('score', 'a score must be in [0, 1]', { score: r.score });
    const zero = r.result !== 'pass' && r.result !== 'unchecked';
    if (zero && r.score !== 0)
      throw badInput('score', `a ${r.result} scores 0`, { score: r.score });
    const t = this.tally(uid, hotkey);
    t.scores.push(r.score);
    if (r.result === 'pass' || r.result === 'fail' || r.result === 'unchecked') t.answered += 1;
    if (r.result === 'pass' || r.result === 'fail') {
      t.checked += 1;
      if (t.pending > 0) t.pending -= 1;
    }
    if (r.result === 'fail') t.failed += 1;
  }

  /** The counts `shouldVerify` needs; checks in flight count as checked. */
  minerState(uid: number, hotkey: Hex): MinerCheckState {
    const t = this.tallies.get(`${uid}:${hotkey}`);
    if (t === undefined) return { checkedThisEpoch: 0, sentThisEpoch: 0 };
    return {
      checkedThisEpoch: t.checked + t.pending,
      sentThisEpoch: Math.max(t.sent, t.scores.length),
    };
  }

  /** Totals for one hotkey over the epoch (every uid it was seen on). */
  miner(hotkey: Hex): {
    sent: number;
    answered: number;
    checked: number;
    failed: number;
    pending: number;
  } {
    const out = { sent: 0, answered: 0, checked: 0, failed: 0, pending: 0 };
    for (const t of this.tallies.values()) {
      if (t.hotkey !== hotkey) continue;
      out.sent += Math.max(t.sent, t.scores.length);
      out.answered += t.answered;
      out.checked += t.checked;
      out.failed += t.failed;
      out.pending += t.pending;
    }
    return out;
  }

  /** A copy of the tallies, by uid then hotkey. */
  tallyList(): MinerTally[] {
    return [...this.tallies.values()]
      .map((t) => ({ ...t, scores: [...t.scores] }))
      .sort((a, b) => a.uid - b.uid || (a.hotkey < b.hotkey ? -1 : a.hotkey > b.hotkey ? 1 : 0));
  }

  /**
   * Folds this epoch into the EMA (the book itself is not changed; start a new one per epoch).
   * - checked ≥ min(earlyCutMinChecked, minChecked) and failed / checked ≥ failRateCut: epoch
   *   score 0 and EMA reset to 0 (research §5.5, Targon's "exploited" rule; the early threshold
   *   is ours, see EpochParams).
   * - nothing sent, or nothing answered: ema ← (1 − alpha) · ema (the same as a 0 epoch score).
   * - otherwise epochScore = Σ scores / sent and ema ← alpha · epochScore + (1 − alpha) · ema.
   *
   * `neurons`, the subnet's miners at the close, sets who is scored: a uid whose hotkey changed
   * keeps nothing of the old hotkey's EMA, a miner sent nothing decays, a deregistered hotkey is
   * dropped. Without it, the miners are those in the book (the latest hotkey per uid), and EMAs of
   * hotkeys absent from the book decay in `ema` but have no uid to weigh.
   */
  closeEpoch(
    previousEma: ReadonlyMap<Hex, number>,
    params: Partial<EpochParams> = {},
    neurons?: ReadonlyArray<{ uid: number; hotkey: Hex }>,
  ): EpochClose {
    const p = checkParams({ ...DEFAULT_EPOCH_PARAMS, ...params });
    for (const [hotkey, value] of previousEma) {
      if (!isUnit(value)) throw badInput('previousEma', 'an EMA must be in [0, 1]', { hotkey });
    }
    let population: Array<{ uid: number; hotkey: Hex }>;
    if (neurons !== undefined) {
      const uids = new Set<number>();
      for (const n of neurons) {
        if (!isCount(n.uid) || !isHex(n.hotkey, 32) || uids.has(n.uid)) {
          throw badInput('neurons', 'neurons need distinct uids and 32-byte hex hotkeys', {
            uid: n.uid,
          });
        }
        uids.add(n.uid);
      }
      population = neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey }));
    } else {
      const latest = new Map<number, MinerTally>();
      for (const t of this.tallies.values()) {
        const seen = latest.get(t.uid);
        if (seen === undefined || t.touched > seen.touched) latest.set(t.uid, t);
      }
      population = [...latest.values()].map((t) => ({ uid: t.uid, hotkey: t.hotkey }));
    }
    population.sort((a, b) => a.uid - b.uid);

    const miners: MinerEpochResult[] = [];
    const ema = new Map<Hex, number>();
    const emaByUid = new Map<number, number>();
    const cutFrom = Math.max(1, Math.min(p.earlyCutMinChecked, p.minChecked));
    for (const { uid, hotkey } of population) {
      const t = this.tallies.get(`${uid}:${hotkey}`);
      const prev = previousEma.get(hotkey) ?? 0;
      const sent = t === undefined ? 0 : Math.max(t.sent, t.scores.length);
      const answered = t?.answered ?? 0;
      const checked = t?.checked ?? 0;
      const failed = t?.failed ?? 0;
      let epochScore: number | null;
      let next: number;
      let reason: EpochReason;
      let reset = false;
      if (checked >= cutFrom && failed / checked >= p.failRateCut) {
        epochScore = 0;
        next = 0;
        reset = true;
        reason = 'failed-checks';
      } else if (sent === 0) {
        epochScore = null;
        next = (1 - p.alpha) * prev;
        reason = 'not-sent';
      } else if (answered === 0) {
        epochScore = 0;
        next = (1 - p.alpha) * prev;
        reason = 'no-answers';
      } else {
        const sum = (t as MinerTally).scores.reduce((a, b) => a + b, 0);
        epochScore = sum / sent;
        next = p.alpha * epochScore + (1 - p.alpha) * prev;
        reason = 'scored';
      }
      next = clip(next, 0, 1);
      miners.push({
        uid,
        hotkey,
        epochScore,
        ema: next,
        reset,
        reason,
        fresh: !previousEma.has(hotkey),
        sent,
        answered,
        checked,
        failed,
      });
      ema.set(hotkey, next);
      emaByUid.set(uid, next);
    }
    if (neurons === undefined) {
      const inBook = new Set([...this.tallies.values()].map((t) => t.hotkey));
      for (const [hotkey, value] of previousEma) {
        if (!ema.has(hotkey) && !inBook.has(hotkey)) {
          ema.set(hotkey, (1 - p.alpha) * value);
        }
      }
    }
    return { miners, ema, emaByUid };
  }
}

function checkParams(p: EpochParams): EpochParams {
  if (!isUnit(p.alpha) || p.alpha === 0) throw badInput('alpha', 'alpha must be in (0, 1]');
  if (!isUnit(p.failRateCut) || p.failRateCut === 0) {
    throw badInput('failRateCut', 'failRateCut must be in (0, 1]');
  }
  if (!isCount(p.minChecked)) throw badInput('minChecked', 'minChecked must be a count');
  if (!isCount(p.earlyCutMinChecked)) {
    throw badInput('earlyCutMinChecked', 'earlyCutMinChecked must be a count');
  }
  checkExponent(p.exponent);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Weights

function checkExponent(exponent: number): void {
  if (!Number.isInteger(exponent) || exponent < 1 || exponent > 8) {
    throw badInput('exponent', 'the exponent must be an integer from 1 to 8');
  }
}

/**
 * u16 weights for set_weights / commit-reveal: w ∝ ema^exponent, scaled so the largest is 65535,
 * rounded half up, zeros left out, uids ascending. Computed on integers (the EMA in millionths,
 * raised to the power as a bigint) so that one EMA gives the same weights on every platform; an
 * integer exponent keeps that exact. Superlinear exponents (2 to start) make splitting one machine
 * into several identities cost weight (research §5.5). Empty when every EMA is 0. The chain's
 * minAllowedWeights may ask for more entries than this returns; that check is the caller's.
 */
export function weightsFromEma(
  ema: ReadonlyMap<number, number>,
  exponent: number,
): { uids: number[]; weights: number[] } {
  checkExponent(exponent);
  const e = BigInt(exponent);
  const rows: Array<[number, bigint]> = [];
  for (const [uid, value] of ema) {
    if (!isCount(uid)) throw badInput('uid', 'bad uid', { uid });
    if (!isUnit(value)) throw badInput('ema', 'an EMA must be in [0, 1]', { uid, value });
    rows.push([uid, BigInt(Math.round(value * 1_000_000)) ** e]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  let max = 0n;
  for (const [, p] of rows) if (p > max) max = p;
  const uids: number[] = [];
  const weights: number[] = [];
  if (max === 0n) return { uids, weights };
  const scale = BigInt(U16_MAX);
  for (const [uid, p] of rows) {
    const w = Number((p * scale * 2n + max) / (2n * max));
    if (w === 0) continue;
    uids.push(uid);
    weights.push(w);
  }
  return { uids, weights };
}

export function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

export function isUnit(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;
}
