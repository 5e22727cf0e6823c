/**
 * The verdict on one greedy answer, as a pure function of token ids and the margins that one
 * teacher-forced pass of the pinned model gives (`InferenceEngine.scoreTokens`). No I/O, no model:
 * the validator role calls `cheapCheck` on every answer and `judgeMargins` on the answers it
 * scores. Design and calibration: docs/proof-of-intelligence.md ("Verification") and research
 * §5.3 (shared/research/proof-of-inference.md).
 *
 * A margin at position j is `maxLogit_j - logit_j(claimed_j)` in nats: 0 when the claimed token is
 * the model's top choice, small when it lost a near-tie to numeric noise (another thread count,
 * batch size, F16 instead of F32), large when another model or another prompt chose it.
 */

export interface VerifyRules {
  /** Largest margin that still counts as "the model's top token", in thousandths of a nat. */
  tauMilli: number;
  /** How many positions may exceed tau before the answer fails. */
  maxViolations: number;
  /** The task's token budget: an answer stopped by it must be exactly this long. */
  maxTokens: number;
}

export type VerifyFailure =
  /** No token at all (even an honest immediate end of text earns nothing). */
  | 'empty'
  /** More tokens than maxTokens. */
  | 'too_long'
  /** A token id that is not an integer in [0, vocabSize), or a special token mid-answer. */
  | 'bad_token'
  /** More than maxViolations positions with a margin above tau. */
  | 'margin'
  /** A position with a margin of WILD_MARGIN nats or more: no numeric noise explains it. */
  | 'wild_token'
  /** The answer claims it ended at end-of-text, but end-of-text was not the model's top choice there. */
  | 'early_stop'
  /** The model's top choice was end-of-text where the answer went on with another token beyond tau. */
  | 'missed_stop'
  /** The answer claims the token budget stopped it but is shorter than maxTokens. */
  | 'truncated';

export interface Verdict {
  pass: boolean;
  failure: VerifyFailure | null;
  /** Positions whose margin exceeds tau (the end-of-text position included). */
  violations: number;
  /** The largest margin seen, in nats; 0 when nothing was scored. */
  worstMargin: number;
  /** Positions judged: answer tokens, plus one for the end-of-text position when stop is 'eos'. */
  positions: number;
}

/**
 * A margin this large is never numeric noise: measured honest margins stay below 0.02 nats
 * (docs/proof-of-intelligence.md), so one such position fails the answer whatever maxViolations
 * allows.
 */
export const WILD_MARGIN = 2.0;

/** Largest token list the engine accepts in one request (prompt or answer). */
export const MAX_TOKEN_LIST = 1 << 16;

function failed(failure: VerifyFailure): Verdict {
  return { pass: false, failure, violations: 0, worstMargin: 0, positions: 0 };
}

function assertRules(rules: VerifyRules): void {
  if (
    !Number.isSafeInteger(rules.tauMilli) ||
    rules.tauMilli < 0 ||
    !Number.isSafeInteger(rules.maxViolations) ||
    rules.maxViolations < 0 ||
    !Number.isSafeInteger(rules.maxTokens) ||
    rules.maxTokens < 1
  ) {
    throw new RangeError(`invalid verification rules ${JSON.stringify(rules)}`);
  }
}

/**
 * The gates that need no model (research §5.3 step 1), in this order: empty, too long, a bad or
 * special token id, an unknown stop or a 'maxTokens' stop short of maxTokens (`truncated`).
 * `special` holds the ids that may not appear inside an answer: at least the model's
 * end-of-generation tokens (`tokenInfo().eog`), because generation stops at them and never
 * returns one, so an answer carrying one was padded past a stop. Returns null when the answer
 * passes, else the failed Verdict (positions 0: nothing was scored).
 */
export function cheapCheck(
  answer: readonly number[],
  stop: 'eos' | 'maxTokens',
  rules: VerifyRules,
  vocabSize: number,
  special: ReadonlySet<number>,
): Verdict | null {
  assertRules(rules);
  if (!Array.isArray(answer) || answer.length === 0) return failed('empty');
  if (answer.length > rules.maxTokens) return failed('too_long');
  for (const token of answer) {
    if (!Number.isInteger(token) || token < 0 || token >= vocabSize || special.has(token)) {
      return failed('bad_token');
    }
  }
  // An answer that claims neither stop cannot be checked against either rule.
  if (stop !== 'eos' && stop !== 'maxTokens') return failed('truncated');
  if (stop === 'maxTokens' && answer.length !== rules.maxTokens) return failed('truncated');
  return null;
}

/**
 * The verdict from the margins of one teacher-forced pass: `margins[j]` for each answer token,
 * then, when stop is 'eos', one more for the end-of-text position (the margin of the best
 * end-of-generation token there). `eogTop` lists the answer positions where an end-of-generation
 * token was the model's top choice (`scoreTokens().eogTop`).
 *
 * Checked in this order, the first that applies is the failure:
 * 1. `early_stop`: stop is 'eos' and the end-of-text margin exceeds tau.
 * 2. `missed_stop`: at a position in `eogTop` the claimed token's margin exceeds tau, so the model
 *    would have stopped there. Without `eogTop` such a position still counts as a violation
 *    (its margin is above tau) and falls to rules 3 and 4.
 * 3. `wild_token`: some margin is WILD_MARGIN or more (or not a number).
 * 4. `margin`: more than maxViolations margins exceed tau.
 * A 'maxTokens' stop needs no rule here: cheapCheck already required the full length, and the
 * budget, not the model, ended the answer.
 */
export function judgeMargins(
  margins: readonly number[],
  answer: readonly number[],
  stop: 'eos' | 'maxTokens',
  rules: VerifyRules,
  eogTop: readonly number[] = [],
): Verdict {
  assertRules(rules);
  const positions = answer.length + (stop === 'eos' ? 1 : 0);
  if (margins.length !== positions) {
    throw new RangeError(
      `expected ${positions} margins for ${answer.length} tokens and stop '${stop}', got ${margins.length}`,
    );
  }
  const tau = rules.tauMilli / 1000;
  let violations = 0;
  let worstMargin = 0;
  let wild = false;
  for (const m of margins) {
    if (Number.isNaN(m) || m >= WILD_MARGIN) wild = true;
    if (!(m <= tau)) violations++;
    if (m > worstMargin || Number.isNaN(m)) worstMargin = Number.isNaN(m) ? Infinity : m;
  }
  const verdict = (failure: VerifyFailure | null): Verdict => ({
    pass: failure === null,
    failure,
    violations,
    worstMargin,
    positions,
  });
  if (stop === 'eos' && !(margins[positions - 1]! <= tau)) return verdict('early_stop');
  for (const j of eogTop) {
    if (Number.isInteger(j) && j >= 0 && j < answer.length && !(margins[j]! <= tau)) {
      return verdict('missed_stop');
    }
  }
  if (wild) return verdict('wild_token');
  if (violations > rules.maxViolations) return verdict('margin');
  return verdict(null);
}

/**
 * Why a token list cannot go to the engine, or null when it can: not an array, too long, or an
 * entry that is not an integer in [0, vocabSize) (vocabSize null: only the shape is checked).
 * Both sides of the engine run it, so a bad id from the network never reaches llama.cpp.
 */
export function tokenListProblem(
  value: unknown,
  vocabSize: number | null,
): { index: number; token: unknown; reason: string } | null {
  if (!Array.isArray(value)) return { index: -1, token: null, reason: 'not an array' };
  if (value.length > MAX_TOKEN_LIST) {
    return { index: MAX_TOKEN_LIST, token: null, reason: `more than ${MAX_TOKEN_LIST} tokens` };
  }
  for (let i = 0; i < value.length; i++) {
    const token: unknown = value[i];
    if (typeof token !== 'number' || !Number.isInteger(token) || token < 0) {
      return { index: i, token: token ?? null, reason: 'not a non-negative integer' };
    }
    if (vocabSize !== null && token >= vocabSize) {
      return { index: i, token, reason: `not below the vocabulary size ${vocabSize}` };
    }
  }
  return null;
}

/**
 * Margins are exact below this many nats and reported as exactly this at or above it (the
 * scorer's lift, see engine-worker.ts); anything past WILD_MARGIN fails anyway.
 */
export const MARGIN_CEILING = 40;

/** Log-probabilities below this (a float32 probability of 0) are reported as this. */
export const LOGPROB_FLOOR = -104;
