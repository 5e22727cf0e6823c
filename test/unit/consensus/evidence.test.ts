// Double-sign evidence: built from two conflicting signed messages, verified by the chain.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeEvidence } from '../../../electron/node/chain/codec.ts';
import {
  duplicateProposalEvidence,
  duplicateVoteEvidence,
  evidenceKey,
  verifyEvidence,
} from '../../../electron/node/consensus/evidence.ts';
import { NIL } from '../../../electron/node/consensus/messages.ts';
import { blockId, CHAIN_ID, proposal, setOf, vote } from './fixtures.ts';

const SET = setOf([10n, 20n, 30n, 40n]);
const V = blockId('v');
const W = blockId('w');

describe('evidence', () => {
  test('two votes of one type and round for different ids (nil included) are evidence', () => {
    const e = duplicateVoteEvidence(vote(1, 'precommit', 4, 1, V), vote(1, 'precommit', 4, 1, NIL));
    assert.ok(e);
    assert.deepEqual(verifyEvidence(CHAIN_ID, e, SET), {
      ok: true,
      validator: e.a.validator,
      height: 4,
      round: 1,
      power: 20n,
    });
    // one encoding whichever order it was found in
    const e2 = duplicateVoteEvidence(
      vote(1, 'precommit', 4, 1, NIL),
      vote(1, 'precommit', 4, 1, V),
    );
    assert.deepEqual(encodeEvidence(e2!), encodeEvidence(e));
    // one key per equivocation, whichever pair proves it
    const e3 = duplicateVoteEvidence(vote(1, 'precommit', 4, 1, W), vote(1, 'precommit', 4, 1, V));
    assert.equal(evidenceKey(e3!), evidenceKey(e));
  });

  test('not evidence: same id, other round, other type, other validator', () => {
    assert.equal(
      duplicateVoteEvidence(vote(1, 'prevote', 4, 1, V), vote(1, 'prevote', 4, 1, V)),
      null,
    );
    assert.equal(
      duplicateVoteEvidence(vote(1, 'prevote', 4, 1, V), vote(1, 'prevote', 4, 2, W)),
      null,
    );
    assert.equal(
      duplicateVoteEvidence(vote(1, 'prevote', 4, 1, V), vote(1, 'precommit', 4, 1, W)),
      null,
    );
    assert.equal(
      duplicateVoteEvidence(vote(1, 'prevote', 4, 1, V), vote(2, 'prevote', 4, 1, W)),
      null,
    );
  });

  test('verification refuses forged, foreign, expired and mislabelled evidence', () => {
    const e = duplicateVoteEvidence(vote(1, 'prevote', 4, 1, V), vote(1, 'prevote', 4, 1, W))!;
    const forged = { ...e, b: { ...e.b, signature: e.a.signature } };
    assert.deepEqual(verifyEvidence(CHAIN_ID, forged, SET), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyEvidence('other-chain', e, SET), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyEvidence(CHAIN_ID, e, setOf([10n, 20n])), {
      ok: true,
      validator: e.a.validator,
      height: 4,
      round: 1,
      power: 20n,
    });
    assert.deepEqual(verifyEvidence(CHAIN_ID, e, setOf([10n])), {
      ok: false,
      reason: 'not-validator',
    });
    assert.deepEqual(verifyEvidence(CHAIN_ID, e, SET, { currentHeight: 200, maxAgeBlocks: 100 }), {
      ok: false,
      reason: 'expired',
    });
    assert.deepEqual(verifyEvidence(CHAIN_ID, { ...e, a: e.b, b: e.a }, SET), {
      ok: false,
      reason: 'not-conflicting',
    });
    assert.deepEqual(verifyEvidence(CHAIN_ID, { ...e, kind: 'duplicate-proposal' } as never, SET), {
      ok: false,
      reason: 'malformed',
    });
  });

  test('two proposals of one proposer for one round are evidence', () => {
    const e = duplicateProposalEvidence(proposal(3, 2, 0, V), proposal(3, 2, 0, W));
    assert.ok(e);
    assert.ok(verifyEvidence(CHAIN_ID, e, SET).ok);
  });
});
