/** The pure tally: conviction, delegation, quorum, thresholds, concentration, determinism. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONVICTION_LOCK_PERIODS,
  concentration,
  lockEnd,
  quorumReached,
  tally,
  thresholdMet,
  votePower,
  type DirectVote,
  type StakeRow,
} from '../../../electron/node/governance/tally.ts';
import { checkParamValue, GOV_PARAMS } from '../../../electron/node/governance/params.ts';

const TAO = 1_000_000_000n;
const k = (c: string) => c.repeat(64);
const A = k('a');
const B = k('b');
const C = k('c');
const D = k('d');
const HA = k('1');
const HC = k('3');

test('conviction: ×0.1 unlocked, ×1..×6 for locks of 1, 2, 4, 8, 16, 32 periods', () => {
  const s = 100n * TAO;
  assert.equal(votePower(s, 0n, 0), 10n * TAO);
  for (let c = 1; c <= 6; c++) assert.equal(votePower(s, s, c), BigInt(c) * s);
  assert.deepEqual(CONVICTION_LOCK_PERIODS, [0, 1, 2, 4, 8, 16, 32]);
  assert.equal(lockEnd(100, 0, 30), 0);
  assert.equal(lockEnd(100, 1, 30), 130);
  assert.equal(lockEnd(100, 6, 30), 100 + 32 * 30);
  // Stake added after the vote counts unlocked (×0.1) on top of the locked part.
  assert.equal(votePower(150n * TAO, 100n * TAO, 3), 300n * TAO + 5n * TAO);
});

test('delegated stake follows its validator unless the delegator votes', () => {
  const table: StakeRow[] = [
    {
      hotkey: HA,
      owner: A,
      stakes: [
        [A, 100n * TAO],
        [B, 50n * TAO],
      ],
    },
    { hotkey: HC, owner: C, stakes: [[C, 10n * TAO]] },
  ];
  const aYes: DirectVote = { voter: A, choice: 'yes', conviction: 1, locked: 100n * TAO };
  const follows = tally({
    votes: [aYes],
    stakeTable: table,
    quorumBps: 1000,
    threshold: 'majority',
  });
  assert.equal(follows.yes, 100n * TAO + 5n * TAO, "B's 50 TAO follow A at ×0.1");
  assert.equal(follows.turnout, 150n * TAO);
  assert.equal(follows.totalStake, 160n * TAO);
  const bNo: DirectVote = { voter: B, choice: 'no', conviction: 2, locked: 50n * TAO };
  const override = tally({
    votes: [aYes, bNo],
    stakeTable: table,
    quorumBps: 1000,
    threshold: 'majority',
  });
  assert.equal(override.yes, 100n * TAO, 'A keeps only its own stake');
  assert.equal(override.no, 100n * TAO, 'B votes its own 50 TAO ×2');
  assert.equal(override.passed, false, 'a tie is not a majority');
  const [top] = override.voters;
  assert.equal(top?.power, 100n * TAO);
});

test('quorum is a share of all staked TAO, abstain included; thresholds', () => {
  assert.equal(quorumReached(20n, 100n, 2000), true);
  assert.equal(quorumReached(19n, 100n, 2000), false);
  assert.equal(quorumReached(0n, 0n, 1), false);
  assert.equal(thresholdMet(2n, 1n, 'majority'), true);
  assert.equal(thresholdMet(1n, 1n, 'majority'), false);
  assert.equal(thresholdMet(2n, 1n, 'two-thirds'), true);
  assert.equal(thresholdMet(199n, 101n, 'two-thirds'), false);
  assert.equal(thresholdMet(0n, 0n, 'two-thirds'), false);
  const table: StakeRow[] = [
    { hotkey: HA, owner: A, stakes: [[A, 10n * TAO]] },
    {
      hotkey: HC,
      owner: C,
      stakes: [
        [C, 90n * TAO],
        [D, 100n * TAO],
      ],
    },
  ];
  const abstainOnly = tally({
    votes: [{ voter: D, choice: 'abstain', conviction: 0, locked: 0n }],
    stakeTable: table,
    quorumBps: 5000,
    threshold: 'majority',
  });
  assert.equal(abstainOnly.quorumReached, true, 'abstain counts toward the quorum');
  assert.equal(abstainOnly.passed, false, 'but is neither yes nor no');
  const small = tally({
    votes: [{ voter: A, choice: 'yes', conviction: 6, locked: 10n * TAO }],
    stakeTable: table,
    quorumBps: 2000,
    threshold: 'majority',
  });
  assert.equal(small.yes, 60n * TAO);
  assert.equal(small.quorumReached, false, 'conviction multiplies power, not turnout');
});

test('upgrades need two thirds of the yes + no power', () => {
  const table: StakeRow[] = [
    { hotkey: HA, owner: A, stakes: [[A, 60n * TAO]] },
    { hotkey: HC, owner: C, stakes: [[C, 40n * TAO]] },
  ];
  const votes: DirectVote[] = [
    { voter: A, choice: 'yes', conviction: 1, locked: 60n * TAO },
    { voter: C, choice: 'no', conviction: 1, locked: 40n * TAO },
  ];
  assert.equal(
    tally({ votes, stakeTable: table, quorumBps: 1, threshold: 'majority' }).passed,
    true,
  );
  assert.equal(
    tally({ votes, stakeTable: table, quorumBps: 1, threshold: 'two-thirds' }).passed,
    false,
  );
});

test('the same inputs in any order give the same tally', () => {
  const table: StakeRow[] = [];
  const votes: DirectVote[] = [];
  for (let i = 0; i < 40; i++) {
    const voter = i.toString(16).padStart(2, '0').repeat(32);
    table.push({ hotkey: voter, owner: voter, stakes: [[voter, BigInt(i + 1) * TAO]] });
    votes.push({
      voter,
      choice: (['yes', 'no', 'abstain'] as const)[i % 3]!,
      conviction: i % 7,
      locked: BigInt(i + 1) * TAO,
    });
  }
  const a = tally({ votes, stakeTable: table, quorumBps: 3000, threshold: 'majority' });
  const b = tally({
    votes: [...votes].reverse(),
    stakeTable: [...table].reverse(),
    quorumBps: 3000,
    threshold: 'majority',
  });
  assert.deepEqual(a, b);
  assert.deepEqual(concentration(a.voters, 'majority'), concentration(b.voters, 'majority'));
});

test('concentration: share of the ten largest voters and the fewest who decide', () => {
  const v = (voter: string, power: bigint, choice: 'yes' | 'no' | 'abstain' = 'yes') => ({
    voter,
    choice,
    conviction: 1,
    stake: power,
    delegated: 0n,
    power,
  });
  const whale = concentration([v(A, 80n), v(B, 10n, 'no'), v(C, 10n)], 'majority');
  assert.equal(whale.top10Bps, 10_000);
  assert.equal(whale.decisiveVoters, 1, 'one whale decides alone');
  const many = Array.from({ length: 20 }, (_, i) => v(i.toString(16).padStart(64, '0'), 5n));
  const spread = concentration(many, 'majority');
  assert.equal(spread.top10Bps, 5_000);
  assert.equal(spread.decisiveVoters, 11);
  assert.equal(concentration([], 'majority').decisiveVoters, 0);
});

test('the parameter table: names are unique, bounds hold, cross rules tighten them', () => {
  assert.equal(new Set(GOV_PARAMS.map((p) => p.name)).size, GOV_PARAMS.length);
  for (const name of [
    'tempo',
    'kappa',
    'subnetOwnerCut',
    'minBurn',
    'maxBurn',
    'maxValidators',
    'minStake',
    'weightsRateLimit',
    'votingPeriod',
    'quorum',
    'enactmentDelay',
  ]) {
    assert.ok(
      GOV_PARAMS.some((p) => p.name === name),
      name,
    );
  }
  assert.equal(checkParamValue('tempo', true, 50n).ok, true);
  assert.deepEqual(checkParamValue('nope', true, 1n), { ok: false, reason: 'unknown' });
  assert.equal((checkParamValue('tempo', true, 9n) as { reason: string }).reason, 'bounds');
  assert.equal((checkParamValue('quorum', true, 10n) as { reason: string }).reason, 'scope');
  const current = (n: string) => (n === 'maxBurn' ? 5n : undefined);
  assert.equal(checkParamValue('minBurn', true, 6n, current).ok, false);
  assert.equal(checkParamValue('minBurn', true, 5n, current).ok, true);
});
