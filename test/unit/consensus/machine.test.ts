// Rule-by-rule tests of the Tendermint machine (Algorithm 1 line numbers in the test names).
// Validators 0..3 hold 10, 20, 30, 40: +2/3 of 100 needs 67, f+1 needs 34.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { voteSignBytes } from '../../../electron/node/chain/codec.ts';
import { verifyEvidence } from '../../../electron/node/consensus/evidence.ts';
import {
  step,
  type Action,
  type ConsensusState,
} from '../../../electron/node/consensus/machine.ts';
import { NIL, verifyCommit, voteSignBytesOf } from '../../../electron/node/consensus/messages.ts';
import {
  blockId,
  CHAIN_ID,
  Driver,
  keyOf,
  proposal,
  proposerIndex,
  sent,
  sentVotes,
  setOf,
  vote,
} from './fixtures.ts';

const SET = setOf([10n, 20n, 30n, 40n]);
const V = blockId('v');
const W = blockId('w');

function timeoutsOf(actions: readonly Action[]) {
  return actions.flatMap((a) => (a.kind === 'schedule-timeout' ? [a] : []));
}

/** Validator `me` at height 1, round 0, before any message. */
function start(me: number | null = 0): Driver {
  const d = new Driver(me);
  d.feed({ kind: 'new-height', height: 1, validators: SET });
  return d;
}

const P0 = proposerIndex(SET, 0);

describe('sign bytes', () => {
  test('a precommit signs exactly the chain commit bytes; a prevote differs only in its type', () => {
    const pc = voteSignBytesOf(CHAIN_ID, 'precommit', 3, 1, V);
    assert.deepEqual(pc, voteSignBytes(CHAIN_ID, 3, 1, V));
    const pv = voteSignBytesOf(CHAIN_ID, 'prevote', 3, 1, V);
    assert.equal(pv.length, pc.length);
    assert.equal(pv.filter((b, i) => b !== pc[i]).length, 1);
  });
});

describe('start of a round (line 11)', () => {
  test('the fixtures put the 40-stake validator first (round 0)', () => {
    assert.equal(P0, 3);
    assert.notEqual(proposerIndex(SET, 1), 3);
  });

  test('a non-proposer schedules timeoutPropose(0) (line 21) and signs nothing', () => {
    const d = start(0);
    assert.deepEqual(
      timeoutsOf(d.actions).map((t) => [t.timeout.step, t.timeout.round, t.delayMs]),
      [['propose', 0, 1000]],
    );
    assert.equal(sent(d.actions).length, 0);
    assert.equal(d.state.step, 'propose');
  });

  test('the proposer asks for a value (line 18) and proposes it with vr = −1 (line 19), persisting first', () => {
    const d = start(P0);
    assert.ok(d.actions.some((a) => a.kind === 'request-value' && a.round === 0));
    const out = d.feed({ kind: 'value-ready', height: 1, round: 0, blockHash: V });
    const kinds = out.map((a) => a.kind);
    const p = out.find((a) => a.kind === 'broadcast' && a.message.type === 'proposal');
    assert.ok(p && p.kind === 'broadcast' && p.message.type === 'proposal');
    assert.equal(p.message.polRound, -1);
    assert.equal(p.message.blockHash, V);
    // every broadcast of a new signature is preceded by its persist marker
    assert.equal(kinds.indexOf('persist'), kinds.indexOf('broadcast') - 1);
    // line 22 on its own proposal: prevote v
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [V],
    );
  });

  test('a stale value-ready (other round) proposes nothing', () => {
    const d = start(P0);
    const out = d.feed({ kind: 'value-ready', height: 1, round: 1, blockHash: V });
    assert.equal(sent(out).length, 0);
  });
});

describe('prevote rules', () => {
  test('line 22: a valid fresh proposal gets a prevote for it', () => {
    const d = start(0);
    const out = d.propose(proposal(P0, 1, 0, V));
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [V],
    );
    assert.equal(d.state.step, 'prevote');
  });

  test('line 26: an invalid proposal gets a nil prevote', () => {
    const d = start(0);
    const out = d.propose(proposal(P0, 1, 0, V), false);
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [NIL],
    );
  });

  test('line 57: timeoutPropose prevotes nil; a stale timeout does nothing', () => {
    const d = start(0);
    assert.equal(
      sent(d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 1 } })).length,
      0,
    );
    const out = d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 0 } });
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [NIL],
    );
    // a second timeout for the same step does not sign again
    assert.equal(
      sent(d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 0 } })).length,
      0,
    );
  });

  test("a proposal from a validator that is not the round's proposer is rejected", () => {
    const d = start(0);
    const out = d.propose(proposal(1, 1, 0, V));
    assert.deepEqual(
      out.map((a) => a.kind),
      ['reject'],
    );
    assert.equal(d.state.step, 'propose');
  });
});

describe('precommit rules', () => {
  test('line 34: +2/3 prevotes for anything schedule timeoutPrevote once; line 61 then precommits nil', () => {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V)); // me: prevote v (10)
    d.votes(vote(1, 'prevote', 1, 0, NIL), vote(2, 'prevote', 1, 0, V)); // 60: not yet
    assert.equal(timeoutsOf(d.actions).filter((t) => t.timeout.step === 'prevote').length, 0);
    d.votes(vote(3, 'prevote', 1, 0, NIL)); // 100, v 40, nil 60: no polka
    const scheduled = timeoutsOf(d.actions).filter((t) => t.timeout.step === 'prevote');
    assert.deepEqual(
      scheduled.map((t) => t.delayMs),
      [500],
    );
    const out = d.feed({ kind: 'timeout', timeout: { step: 'prevote', height: 1, round: 0 } });
    assert.deepEqual(
      sentVotes(out, 'precommit').map((v) => v.blockHash),
      [NIL],
    );
  });

  test('line 36: a polka for the proposal locks it and precommits it', () => {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V));
    const out = d.votes(vote(2, 'prevote', 1, 0, V), vote(3, 'prevote', 1, 0, V)); // 80
    assert.deepEqual(
      sentVotes(out, 'precommit').map((v) => v.blockHash),
      [V],
    );
    assert.equal(d.state.lockedValue, V);
    assert.equal(d.state.lockedRound, 0);
    assert.equal(d.state.validValue, V);
    assert.equal(d.state.validRound, 0);
    // the persist marker carries the new lock
    const persist = out.find((a) => a.kind === 'persist');
    assert.ok(persist && persist.kind === 'persist');
    assert.equal(persist.lock.lockedValue, V);
    assert.equal(persist.lock.validRound, 0);
  });

  test('line 36 needs +2/3 by stake, not by count: 30 + 20 + 10 is not a polka', () => {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V));
    const out = d.votes(vote(1, 'prevote', 1, 0, V), vote(2, 'prevote', 1, 0, V)); // 60 of 100
    assert.equal(sentVotes(out, 'precommit').length, 0);
    assert.equal(d.state.lockedRound, -1);
  });

  test('line 36 waits for the proposal when the polka comes first', () => {
    const d = start(0);
    d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 0 } }); // prevote nil
    d.votes(vote(2, 'prevote', 1, 0, V), vote(3, 'prevote', 1, 0, V));
    assert.equal(d.state.validValue, null);
    const out = d.propose(proposal(P0, 1, 0, V));
    // step was prevote: lock and precommit v
    assert.deepEqual(
      sentVotes(out, 'precommit').map((v) => v.blockHash),
      [V],
    );
    assert.equal(d.state.validValue, V);
  });

  test('line 36 after precommitting nil only records the valid value (line 42), no lock', () => {
    const d = start(0);
    d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 0 } });
    d.votes(
      vote(1, 'prevote', 1, 0, NIL),
      vote(3, 'prevote', 1, 0, NIL),
      vote(2, 'prevote', 1, 0, V),
    );
    d.feed({ kind: 'timeout', timeout: { step: 'prevote', height: 1, round: 0 } }); // precommit nil
    assert.equal(d.state.step, 'precommit');
    // cannot happen with honest voters, but the rule's guard is what is under test
    const d2 = start(0);
    d2.propose(proposal(P0, 1, 0, V)); // prevote v
    d2.votes(
      vote(1, 'prevote', 1, 0, NIL),
      vote(2, 'prevote', 1, 0, NIL),
      vote(3, 'prevote', 1, 0, NIL),
    );
    assert.equal(d2.state.step, 'precommit'); // line 44 fired
    assert.equal(d2.state.lockedRound, -1);
  });

  test('line 44: +2/3 nil prevotes precommit nil', () => {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V));
    const out = d.votes(vote(2, 'prevote', 1, 0, NIL), vote(3, 'prevote', 1, 0, NIL));
    assert.deepEqual(
      sentVotes(out, 'precommit').map((v) => v.blockHash),
      [NIL],
    );
    assert.equal(d.state.lockedRound, -1);
  });
});

describe('rounds and timeouts', () => {
  test('line 47 schedules timeoutPrecommit once; line 65 starts the next round with longer timeouts', () => {
    const d = start(0);
    d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 0 } });
    d.votes(vote(2, 'precommit', 1, 0, NIL), vote(3, 'precommit', 1, 0, V)); // 70 of anything
    const pc = timeoutsOf(d.actions).filter((t) => t.timeout.step === 'precommit');
    assert.deepEqual(
      pc.map((t) => [t.timeout.round, t.delayMs]),
      [[0, 500]],
    );
    d.votes(vote(1, 'precommit', 1, 0, NIL));
    assert.equal(timeoutsOf(d.actions).filter((t) => t.timeout.step === 'precommit').length, 1);
    const out = d.feed({ kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 0 } });
    assert.equal(d.state.round, 1);
    assert.equal(d.state.step, 'propose');
    assert.deepEqual(
      timeoutsOf(out).map((t) => [t.timeout.step, t.timeout.round, t.delayMs]),
      [['propose', 1, 1250]],
    );
  });

  test('line 55: f+1 stake in a higher round skips to it; less does not', () => {
    const d = start(0);
    d.votes(vote(2, 'prevote', 1, 5, V)); // 30: not more than a third
    assert.equal(d.state.round, 0);
    const out = d.votes(vote(1, 'precommit', 1, 5, NIL)); // 50
    assert.equal(d.state.round, 5);
    assert.deepEqual(
      timeoutsOf(out).map((t) => [t.timeout.step, t.timeout.round, t.delayMs]),
      [['propose', 5, 2250]],
    );
  });

  test('a validator cannot fill memory with far-future rounds', () => {
    const d = start(0);
    const rejected: string[] = [];
    for (let r = 10; r < 20; r++) {
      // validator 2 (30) cannot move the round on its own
      for (const a of d.votes(vote(2, 'prevote', 1, r, NIL))) {
        if (a.kind === 'reject') rejected.push(a.reason);
      }
    }
    assert.equal(d.state.round, 0);
    assert.ok(d.state.rounds.size <= 5);
    assert.ok(rejected.length >= 5 && rejected.every((r) => r === 'too-far-ahead'));
  });
});

describe('locks and valid values', () => {
  /** me (0) locked on V at round 0, then moved to round 1 by timeoutPrecommit. */
  function lockedAtRound0(): Driver {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V));
    d.votes(vote(2, 'prevote', 1, 0, V), vote(3, 'prevote', 1, 0, V));
    assert.equal(d.state.lockedRound, 0);
    d.votes(vote(2, 'precommit', 1, 0, NIL), vote(3, 'precommit', 1, 0, NIL));
    d.feed({ kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 0 } });
    assert.equal(d.state.round, 1);
    return d;
  }

  test('line 26: locked on v, a fresh proposal of w gets nil; of v gets v', () => {
    const d = lockedAtRound0();
    const p1 = proposerIndex(SET, 1);
    const out = d.propose(proposal(p1, 1, 1, W));
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [NIL],
    );
    const d2 = lockedAtRound0();
    const out2 = d2.propose(proposal(p1, 1, 1, V));
    assert.deepEqual(
      sentVotes(out2, 'prevote').map((v) => v.blockHash),
      [V],
    );
  });

  test('line 28-30: a polka of a later round (vr ≥ lockedRound) unlocks', () => {
    const d = lockedAtRound0();
    // polka for W in round 1 that me saw (me was slow: it never prevoted in round 1)
    d.votes(vote(1, 'prevote', 1, 1, W), vote(2, 'prevote', 1, 1, W), vote(3, 'prevote', 1, 1, W));
    // ... which f+1 messages of round 2 move me on to
    d.votes(vote(2, 'prevote', 1, 2, NIL), vote(3, 'prevote', 1, 2, NIL));
    assert.equal(d.state.round, 2);
    const p2 = proposerIndex(SET, 2);
    const out = d.propose(proposal(p2, 1, 2, W, 1));
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [W],
    );
  });

  test('line 28-32: a re-proposal justified by a round before the lock gets nil', () => {
    // me locked on V in round 1 (after a nil round 0); proposal W with vr = 0 and a W polka at 0
    const d = start(0);
    d.feed({ kind: 'timeout', timeout: { step: 'propose', height: 1, round: 0 } });
    d.votes(vote(1, 'prevote', 1, 0, W), vote(2, 'prevote', 1, 0, W), vote(3, 'prevote', 1, 0, W));
    d.votes(
      vote(1, 'precommit', 1, 0, NIL),
      vote(2, 'precommit', 1, 0, NIL),
      vote(3, 'precommit', 1, 0, NIL),
    );
    d.feed({ kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 0 } });
    const p1 = proposerIndex(SET, 1);
    d.propose(proposal(p1, 1, 1, V));
    d.votes(vote(2, 'prevote', 1, 1, V), vote(3, 'prevote', 1, 1, V));
    assert.equal(d.state.lockedRound, 1);
    d.votes(vote(2, 'precommit', 1, 1, NIL), vote(3, 'precommit', 1, 1, NIL));
    d.feed({ kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 1 } });
    const p2 = proposerIndex(SET, 2);
    const out = d.propose(proposal(p2, 1, 2, W, 0));
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => v.blockHash),
      [NIL],
    );
  });

  test('line 28 waits while the claimed polka is not seen', () => {
    const d = lockedAtRound0();
    d.votes(vote(2, 'prevote', 1, 2, NIL), vote(3, 'prevote', 1, 2, NIL));
    const out = d.propose(proposal(proposerIndex(SET, 2), 1, 2, W, 1));
    assert.equal(sentVotes(out, 'prevote').length, 0);
    assert.equal(d.state.step, 'propose');
  });

  test('lines 15-16: the next proposer re-proposes its valid value with its valid round', () => {
    const me = proposerIndex(SET, 1);
    const d = start(me);
    d.propose(proposal(P0, 1, 0, V));
    const others = [0, 1, 2, 3].filter((i) => i !== me && i !== P0);
    d.votes(vote(P0, 'prevote', 1, 0, V), ...others.map((i) => vote(i, 'prevote', 1, 0, V)));
    assert.equal(d.state.validValue, V);
    d.votes(...[0, 1, 2, 3].filter((i) => i !== me).map((i) => vote(i, 'precommit', 1, 0, NIL)));
    const out = d.feed({ kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 0 } });
    assert.ok(!out.some((a) => a.kind === 'request-value'));
    const p = sent(out).find((m) => m.type === 'proposal');
    assert.ok(p && p.type === 'proposal');
    assert.equal(p.blockHash, V);
    assert.equal(p.polRound, 0);
  });
});

describe('decide (line 49)', () => {
  test('proposal and +2/3 precommits decide, in either order, with a commit that verifies', () => {
    for (const proposalFirst of [true, false]) {
      const d = start(0);
      if (proposalFirst) d.propose(proposal(P0, 1, 0, V));
      const out = d.votes(vote(2, 'precommit', 1, 0, V), vote(3, 'precommit', 1, 0, V));
      if (!proposalFirst) {
        assert.ok(!out.some((a) => a.kind === 'decide'));
        out.push(...d.propose(proposal(P0, 1, 0, V)));
      }
      const dec = out.find((a) => a.kind === 'decide');
      assert.ok(dec && dec.kind === 'decide');
      assert.equal(dec.blockHash, V);
      assert.equal(dec.commit.signatures.length, 2);
      assert.deepEqual(verifyCommit(CHAIN_ID, dec.commit, SET), { ok: true, power: 70n });
      assert.equal(d.state.status, 'decided');
    }
  });

  test('decides for a past round', () => {
    const d = start(0);
    d.votes(vote(2, 'prevote', 1, 3, NIL), vote(3, 'prevote', 1, 3, NIL));
    assert.equal(d.state.round, 3);
    d.propose(proposal(P0, 1, 0, V));
    const out = d.votes(vote(2, 'precommit', 1, 0, V), vote(3, 'precommit', 1, 0, V));
    const dec = out.find((a) => a.kind === 'decide');
    assert.ok(dec && dec.kind === 'decide' && dec.round === 0);
  });

  test('an invalid value is never decided', () => {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V), false);
    const out = d.votes(vote(2, 'precommit', 1, 0, V), vote(3, 'precommit', 1, 0, V));
    assert.ok(!out.some((a) => a.kind === 'decide'));
  });

  test('exactly 2/3 is not enough (bigint, strict)', () => {
    const set = setOf([1n, 1n, 1n]);
    const d = new Driver(null);
    d.feed({ kind: 'new-height', height: 1, validators: set });
    const p = proposerIndex(set, 0);
    d.propose(proposal(p, 1, 0, V));
    const out = d.votes(vote(0, 'precommit', 1, 0, V), vote(1, 'precommit', 1, 0, V));
    assert.ok(!out.some((a) => a.kind === 'decide'));
    assert.ok(d.votes(vote(2, 'precommit', 1, 0, V)).some((a) => a.kind === 'decide'));
    // an observer never signs
    assert.equal(d.actions.filter((a) => a.kind === 'persist').length, 0);
  });

  test('the next height starts from new-height; its early messages are buffered and replayed', () => {
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V));
    d.votes(vote(2, 'precommit', 1, 0, V), vote(3, 'precommit', 1, 0, V));
    const p2 = proposerIndex(SET, 0);
    d.propose(proposal(p2, 2, 0, W)); // height 2 arrives before the shell moves on
    assert.equal(d.state.height, 1);
    const out = d.feed({ kind: 'new-height', height: 2, validators: SET });
    assert.equal(d.state.height, 2);
    assert.deepEqual(
      sentVotes(out, 'prevote').map((v) => [v.height, v.blockHash]),
      [[2, W]],
    );
  });
});

describe('message checks and evidence', () => {
  test('bad signatures and non-validators are rejected and change nothing', () => {
    const d = start(0);
    const good = vote(3, 'prevote', 1, 0, V);
    const bad = { ...good, signature: vote(3, 'prevote', 1, 0, W).signature };
    assert.deepEqual(
      d.votes(bad).map((a) => a.kind === 'reject' && a.reason),
      ['bad-signature'],
    );
    assert.deepEqual(
      d.votes(vote(9, 'prevote', 1, 0, V)).map((a) => a.kind === 'reject' && a.reason),
      ['not-validator'],
    );
    const malformed = { ...good, round: -1 };
    assert.deepEqual(
      d.votes(malformed).map((a) => a.kind === 'reject' && a.reason),
      ['malformed'],
    );
    assert.equal(d.state.rounds.size, 0);
  });

  test('two different prevotes of one validator give verifiable evidence, once', () => {
    const d = start(0);
    const out = d.votes(
      vote(2, 'prevote', 1, 0, V),
      vote(2, 'prevote', 1, 0, NIL),
      vote(2, 'prevote', 1, 0, W),
    );
    const ev = out.flatMap((a) => (a.kind === 'evidence' ? [a.evidence] : []));
    assert.equal(ev.length, 1);
    const verdict = verifyEvidence(CHAIN_ID, ev[0]!, SET);
    assert.ok(verdict.ok);
    assert.equal(verdict.validator, keyOf(2).key);
    // two are kept (each counts once towards its value), the third only adds to the evidence
    const held = d.state.rounds.get(0)!.prevotes.byValidator.get(keyOf(2).key)!;
    assert.deepEqual(
      held.map((v) => v.blockHash),
      [V, NIL],
    );
    assert.equal(d.state.rounds.get(0)!.prevotes.total, 30n);
  });

  test('an equivocator counts towards each value it voted for, as the paper counts messages', () => {
    // 3 (40) prevotes nil to me first, then V (as it did to others): 10 + 30 + 40 = 80 for V
    const d = start(0);
    d.propose(proposal(P0, 1, 0, V));
    d.votes(vote(3, 'prevote', 1, 0, NIL), vote(2, 'prevote', 1, 0, V));
    assert.equal(d.state.lockedRound, -1);
    const out = d.votes(vote(3, 'prevote', 1, 0, V));
    assert.deepEqual(
      sentVotes(out, 'precommit').map((v) => v.blockHash),
      [V],
    );
    // "2f+1 of anything" counts 3 once: 10 + 30 + 40
    assert.equal(d.state.rounds.get(0)!.prevotes.total, 80n);
  });

  test('two proposals of one proposer give evidence', () => {
    const d = start(0);
    const out = [...d.propose(proposal(P0, 1, 0, V)), ...d.propose(proposal(P0, 1, 0, W))];
    const ev = out.flatMap((a) => (a.kind === 'evidence' ? [a.evidence] : []));
    assert.equal(ev.length, 1);
    assert.equal(ev[0]!.kind, 'duplicate-proposal');
    assert.ok(verifyEvidence(CHAIN_ID, ev[0]!, SET).ok);
  });
});

describe('purity and restarts', () => {
  function dump(s: ConsensusState): string {
    return JSON.stringify(s, (_k, v: unknown) =>
      typeof v === 'bigint'
        ? `${v}n`
        : v instanceof Map
          ? [...v.entries()]
          : v instanceof Set
            ? [...v]
            : v instanceof Uint8Array
              ? Buffer.from(v).toString('hex')
              : v,
    );
  }

  test('step never mutates its input state', () => {
    const d = start(0);
    const inputs = [
      { kind: 'proposal', proposal: proposal(P0, 1, 0, V), valid: true },
      { kind: 'vote', vote: vote(2, 'prevote', 1, 0, V) },
      { kind: 'vote', vote: vote(3, 'prevote', 1, 0, V) },
      { kind: 'vote', vote: vote(3, 'prevote', 1, 0, W) },
      { kind: 'vote', vote: vote(2, 'precommit', 1, 2, V) },
      { kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 0 } },
      { kind: 'vote', vote: vote(3, 'precommit', 1, 0, V) },
      { kind: 'vote', vote: vote(2, 'precommit', 1, 0, V) },
    ] as const;
    for (const input of inputs) {
      const before = dump(d.state);
      const inputBefore = JSON.stringify(input);
      const r = step(d.state, input);
      assert.equal(dump(d.state), before);
      assert.equal(JSON.stringify(input), inputBefore);
      d.state = r.state;
    }
    assert.equal(d.state.status, 'decided');
  });

  test('restored from its guard, a node resends its last vote and signs nothing conflicting', () => {
    const me = 0;
    const first = start(me);
    first.propose(proposal(P0, 1, 0, V));
    first.votes(vote(2, 'prevote', 1, 0, V), vote(3, 'prevote', 1, 0, V));
    const persisted = first.actions.filter((a) => a.kind === 'persist').at(-1);
    assert.ok(persisted && persisted.kind === 'persist');
    assert.equal(persisted.message.type, 'precommit');
    // crash; a fresh machine restarts from the guard's record
    const d = new Driver(me);
    const out = d.feed({
      kind: 'new-height',
      height: 1,
      validators: SET,
      restored: {
        height: 1,
        lastSigned: persisted.message,
        lock: persisted.lock,
        signed: first.actions.flatMap((a) => (a.kind === 'persist' ? [a.message] : [])),
      },
    });
    // both its prevote and its precommit go out again; nothing new is signed
    assert.deepEqual(
      sent(out).map((m) => m.type),
      ['prevote', 'precommit'],
    );
    assert.equal(out.filter((a) => a.kind === 'persist').length, 0);
    assert.equal(d.state.lockedValue, V);
    // a different proposal for round 0 (a byzantine proposer): no new prevote at round 0
    const more = d.propose(proposal(P0, 1, 0, W));
    assert.equal(more.filter((a) => a.kind === 'persist').length, 0);
    // round 1: locked on V, a fresh W gets nil
    d.votes(vote(2, 'precommit', 1, 0, NIL), vote(3, 'precommit', 1, 0, NIL));
    d.feed({ kind: 'timeout', timeout: { step: 'precommit', height: 1, round: 0 } });
    const r1 = d.propose(proposal(proposerIndex(SET, 1), 1, 1, W));
    assert.deepEqual(
      sentVotes(r1, 'prevote').map((v) => v.blockHash),
      [NIL],
    );
  });
});
