/** The verdict functions, branch by branch, on hand-made margins (no model). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cheapCheck,
  judgeMargins,
  MAX_TOKEN_LIST,
  tokenListProblem,
  WILD_MARGIN,
  type VerifyRules,
} from '../../../electron/node/inference/verify.ts';

const rules: VerifyRules = { tauMilli: 100, maxViolations: 1, maxTokens: 4 };
const vocab = 512;
const special = new Set([2]);
const full = [10, 11, 12, 13];

describe('cheapCheck', () => {
  it('passes a full-length answer stopped by the budget and a shorter one stopped at EOS', () => {
    assert.equal(cheapCheck(full, 'maxTokens', rules, vocab, special), null);
    assert.equal(cheapCheck([10], 'eos', rules, vocab, special), null);
    assert.equal(cheapCheck(full, 'eos', rules, vocab, special), null);
    assert.equal(cheapCheck([0, vocab - 1, 1, 3], 'maxTokens', rules, vocab, special), null);
  });

  it('fails an empty answer, whatever the stop', () => {
    for (const stop of ['eos', 'maxTokens'] as const) {
      assert.deepEqual(cheapCheck([], stop, rules, vocab, special), {
        pass: false,
        failure: 'empty',
        violations: 0,
        worstMargin: 0,
        positions: 0,
      });
    }
    assert.equal(
      cheapCheck('nope' as unknown as number[], 'eos', rules, vocab, special)?.failure,
      'empty',
    );
  });

  it('fails an answer longer than maxTokens', () => {
    assert.equal(
      cheapCheck([...full, 14], 'maxTokens', rules, vocab, special)?.failure,
      'too_long',
    );
    assert.equal(cheapCheck([...full, 14], 'eos', rules, vocab, special)?.failure, 'too_long');
  });

  it('fails ids outside the vocabulary, non-integers and special tokens mid-answer', () => {
    for (const bad of [vocab, -1, 1.5, Number.NaN, Infinity, 2]) {
      const answer = [10, bad, 12, 13];
      assert.equal(
        cheapCheck(answer, 'maxTokens', rules, vocab, special)?.failure,
        'bad_token',
        `token ${bad}`,
      );
    }
    assert.equal(
      cheapCheck([10, '11' as unknown as number, 12, 13], 'maxTokens', rules, vocab, special)
        ?.failure,
      'bad_token',
    );
    // The same id is fine when the caller does not call it special.
    assert.equal(cheapCheck([10, 2, 12, 13], 'maxTokens', rules, vocab, new Set()), null);
  });

  it('fails a budget stop short of maxTokens and an unknown stop', () => {
    assert.equal(
      cheapCheck([10, 11, 12], 'maxTokens', rules, vocab, special)?.failure,
      'truncated',
    );
    assert.equal(cheapCheck(full, 'length' as 'eos', rules, vocab, special)?.failure, 'truncated');
  });

  it('refuses rules that make no sense', () => {
    for (const bad of [
      { ...rules, tauMilli: -1 },
      { ...rules, tauMilli: 0.5 },
      { ...rules, maxViolations: -1 },
      { ...rules, maxTokens: 0 },
    ]) {
      assert.throws(() => cheapCheck(full, 'maxTokens', bad, vocab, special), RangeError);
      assert.throws(() => judgeMargins([0, 0, 0, 0], full, 'maxTokens', bad), RangeError);
    }
  });
});

describe('judgeMargins', () => {
  it('passes when every claimed token is the argmax', () => {
    assert.deepEqual(judgeMargins([0, 0, 0, 0], full, 'maxTokens', rules), {
      pass: true,
      failure: null,
      violations: 0,
      worstMargin: 0,
      positions: 4,
    });
  });

  it('counts margins above tau, allows maxViolations of them and fails one more', () => {
    const one = judgeMargins([0, 0.3, 0.1, 0.05], full, 'maxTokens', rules);
    assert.equal(one.pass, true);
    assert.equal(one.violations, 1, 'a margin equal to tau is not a violation');
    assert.equal(one.worstMargin, 0.3);
    const two = judgeMargins([0, 0.3, 0.101, 0], full, 'maxTokens', rules);
    assert.equal(two.pass, false);
    assert.equal(two.failure, 'margin');
    assert.equal(two.violations, 2);
    assert.equal(
      judgeMargins([0, 0.3, 0.101, 0], full, 'maxTokens', { ...rules, maxViolations: 2 }).pass,
      true,
    );
    assert.equal(
      judgeMargins([0, 0.3, 0, 0], full, 'maxTokens', { ...rules, maxViolations: 0 }).failure,
      'margin',
    );
  });

  it('fails one wild token however many violations are allowed', () => {
    const lax = { ...rules, maxViolations: 10 };
    const wild = judgeMargins([0, WILD_MARGIN, 0, 0], full, 'maxTokens', lax);
    assert.equal(wild.failure, 'wild_token');
    assert.equal(wild.violations, 1);
    assert.equal(judgeMargins([0, WILD_MARGIN - 1e-9, 0, 0], full, 'maxTokens', lax).pass, true);
    const nan = judgeMargins([0, Number.NaN, 0, 0], full, 'maxTokens', lax);
    assert.equal(nan.failure, 'wild_token');
    assert.equal(nan.worstMargin, Infinity);
  });

  it('judges the end-of-text position of an EOS stop', () => {
    const answer = [10, 11];
    assert.equal(judgeMargins([0, 0, 0.02], answer, 'eos', rules).pass, true);
    const early = judgeMargins([0, 0, 0.5], answer, 'eos', { ...rules, maxViolations: 5 });
    assert.equal(early.failure, 'early_stop');
    assert.equal(early.positions, 3);
    assert.equal(early.violations, 1);
    // early_stop is reported before a wild token elsewhere.
    assert.equal(judgeMargins([5, 0, 3], answer, 'eos', rules).failure, 'early_stop');
  });

  it('fails a token claimed past a stop the model chose (missed_stop) and tolerates a near-tie', () => {
    assert.equal(
      judgeMargins([0, 0.4, 0, 0], full, 'maxTokens', rules, [1]).failure,
      'missed_stop',
    );
    // Without eogTop the same answer passes as one violation: the caller must pass it.
    assert.equal(judgeMargins([0, 0.4, 0, 0], full, 'maxTokens', rules).pass, true);
    assert.equal(judgeMargins([0, 0.05, 0, 0], full, 'maxTokens', rules, [1]).pass, true);
    // Positions outside the answer are ignored.
    assert.equal(judgeMargins([0, 0, 0, 0], full, 'maxTokens', rules, [-1, 4, 1.5]).pass, true);
    // missed_stop is reported before a wild token.
    assert.equal(
      judgeMargins([9, 0.4, 0, 0], full, 'maxTokens', rules, [1]).failure,
      'missed_stop',
    );
  });

  it('refuses margins that do not match the answer', () => {
    assert.throws(() => judgeMargins([0, 0, 0], full, 'maxTokens', rules), RangeError);
    assert.throws(() => judgeMargins([0, 0, 0, 0], full, 'eos', rules), RangeError);
  });
});

describe('tokenListProblem', () => {
  it('accepts integers in range and reports the first bad entry', () => {
    assert.equal(tokenListProblem([0, 1, 511], 512), null);
    assert.equal(tokenListProblem([], 512), null);
    assert.deepEqual(tokenListProblem([0, 512, -1], 512), {
      index: 1,
      token: 512,
      reason: 'not below the vocabulary size 512',
    });
    assert.equal(tokenListProblem([0, -1], 512)?.index, 1);
    assert.equal(tokenListProblem([0.5], 512)?.reason, 'not a non-negative integer');
    assert.equal(tokenListProblem([null], 512)?.token, null);
    assert.equal(tokenListProblem(['3'], 512)?.index, 0);
    assert.equal(tokenListProblem({ length: 1, 0: 1 }, 512)?.reason, 'not an array');
    assert.equal(
      tokenListProblem(new Array(MAX_TOKEN_LIST + 1).fill(0), 512)?.index,
      MAX_TOKEN_LIST,
    );
  });

  it('checks only the shape when the vocabulary size is unknown', () => {
    assert.equal(tokenListProblem([1e9], null), null);
    assert.equal(tokenListProblem([1.5], null)?.index, 0);
  });
});
