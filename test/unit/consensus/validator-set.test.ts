// Proposer selection (CometBFT weighted round-robin) and the two-heights rule for set changes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  advanceProposer,
  createValidatorSet,
  hasOneThird,
  hasTwoThirds,
  nextValidatorSet,
  proposerOf,
  selectValidators,
  snapshotHeightFor,
  validatorSetForHeight,
  type ValidatorMember,
} from '../../../electron/node/consensus/validator-set.ts';

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const C = 'cc'.repeat(32);

describe('proposer selection', () => {
  test('powers (1, 3) propose p2, p1, p2, p2 (the spec example; ties to the lower key)', () => {
    const set = createValidatorSet([
      { key: A, power: 1n },
      { key: B, power: 3n },
    ]);
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => proposerOf(set, r)),
      [B, A, B, B],
    );
  });

  test('over P runs every validator proposes exactly its power', () => {
    const set = createValidatorSet([
      { key: A, power: 5n },
      { key: B, power: 2n },
      { key: C, power: 13n },
    ]);
    const counts = new Map<string, number>();
    for (let r = 0; r < 20; r++)
      counts.set(proposerOf(set, r), (counts.get(proposerOf(set, r)) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { [A]: 5, [B]: 2, [C]: 13 });
  });

  test('priorities stay centred and inside the window after many runs', () => {
    let set = createValidatorSet([
      { key: A, power: 1n },
      { key: B, power: 1_000_000n },
    ]);
    for (let i = 0; i < 500; i++) set = advanceProposer(set).set;
    for (const v of set.validators) {
      assert.ok(v.priority <= 2n * set.totalPower && v.priority >= -2n * set.totalPower);
    }
  });

  test('a joining validator starts at −1.125·P and does not propose at once', () => {
    const prev = createValidatorSet([
      { key: A, power: 10n },
      { key: B, power: 10n },
    ]);
    const next = nextValidatorSet(prev, [
      { key: A, power: 10n },
      { key: B, power: 10n },
      { key: C, power: 10n },
    ]);
    const c = next.validators.find((v) => v.key === C)!;
    const others = next.validators.filter((v) => v.key !== C);
    assert.ok(others.every((v) => v.priority > c.priority));
    assert.notEqual(proposerOf(next, 0), C);
  });
});

describe('set changes take effect two heights later', () => {
  // membership after block k: C joins in block 5
  const after = (k: number): ValidatorMember[] =>
    k >= 5
      ? [
          { key: A, power: 10n },
          { key: B, power: 10n },
          { key: C, power: 30n },
        ]
      : [
          { key: A, power: 10n },
          { key: B, power: 10n },
        ];

  test('heights up to 6 use the old set, 7 the new one', () => {
    assert.equal(snapshotHeightFor(1), 0);
    assert.equal(snapshotHeightFor(2), 0);
    assert.equal(snapshotHeightFor(7), 5);
    assert.equal(validatorSetForHeight(6, after).validators.length, 2);
    assert.equal(validatorSetForHeight(7, after).validators.length, 3);
    assert.equal(validatorSetForHeight(7, after).totalPower, 50n);
  });

  test('the iterative and incremental forms agree', () => {
    let set = validatorSetForHeight(1, after);
    for (let h = 2; h <= 12; h++) {
      set = nextValidatorSet(set, after(snapshotHeightFor(h)));
      assert.deepEqual(set, validatorSetForHeight(h, after));
    }
  });

  test('the set is the top stakers holding permits', () => {
    const m = selectValidators(
      [
        { key: A, stake: 5n, permit: true },
        { key: B, stake: 50n, permit: false },
        { key: C, stake: 7n, permit: true },
        { key: 'dd'.repeat(32), stake: 7n, permit: true },
        { key: 'ee'.repeat(32), stake: 0n, permit: true },
      ],
      2,
    );
    assert.deepEqual(
      m.map((x) => x.key),
      [C, 'dd'.repeat(32)],
    );
  });
});

describe('quorums', () => {
  test('+2/3 and f+1 are strict and exact for huge stakes', () => {
    const t = 3n * 10n ** 30n;
    assert.equal(hasTwoThirds(2n * 10n ** 30n, t), false);
    assert.equal(hasTwoThirds(2n * 10n ** 30n + 1n, t), true);
    assert.equal(hasOneThird(10n ** 30n, t), false);
    assert.equal(hasOneThird(10n ** 30n + 1n, t), true);
  });
});
