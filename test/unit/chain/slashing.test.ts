// Double signing on chain: evidence in blocks (codec, checks), slashing (exact amounts, burn,
// removal two heights later, never twice), the validator sets the state keeps, and the
// evidence pool.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { genesisState, type GenesisDoc } from '../../../electron/node/chain/genesis.ts';
import { ChainQueries } from '../../../electron/node/chain/queries.ts';
import { ChainStore } from '../../../electron/node/chain/store/chain-store.ts';
import {
  evidenceHashOf,
  MAX_BLOCK_EVIDENCE,
  type Block,
  type Commit,
  type Evidence,
} from '../../../electron/node/chain/block.ts';
import {
  decodeBlock,
  decodeEvidence,
  encodeBlock,
  encodeCanonical,
  encodeEvidence,
  voteSignBytes,
} from '../../../electron/node/chain/codec.ts';
import { hash256, signMessage, toHex, type Hex } from '../../../electron/node/chain/crypto.ts';
import { decodeState, encodeState } from '../../../electron/node/chain/state-codec.ts';
import { stateRoot } from '../../../electron/node/chain/state-root.ts';
import {
  applyBlock,
  buildBlock,
  checkLastCommit,
  supplyBreakdown,
  type BuildResult,
} from '../../../electron/node/chain/state.ts';
import type { ChainState } from '../../../electron/node/chain/types.ts';
import { slashStakes, validatorMembers } from '../../../electron/node/chain/validators.ts';
import { evidenceKey } from '../../../electron/node/consensus/evidence.ts';
import { EvidencePool } from '../../../electron/node/consensus/evidence-pool.ts';
import { signVote, type VoteType } from '../../../electron/node/consensus/messages.ts';
import { powerOf, validatorSetForHeight } from '../../../electron/node/consensus/validator-set.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { alice, CHAIN_ID, TAO, testGenesisDoc, testKey, tx, type TestKey } from './fixtures.ts';

const vals = [0, 1, 2, 3].map((i) => ({
  consensus: testKey(`slash-val-${i}`),
  hot: testKey(`slash-hot-${i}`),
  cold: testKey(`slash-cold-${i}`),
}));

function genesis(params: Record<string, unknown> = {}): ChainState {
  return genesisState(genesisDoc(params)).state;
}

function genesisDoc(params: Record<string, unknown> = {}): GenesisDoc {
  return testGenesisDoc({
    params: {
      blockIntervalMs: 50,
      // no epoch inside these tests: stakes change only by what the test does
      subnetDefaults: { tempo: 1000, immunityPeriod: 3, activityCutoff: 1000 },
      ...params,
    },
    validators: vals.map((v) => ({
      consensusKey: v.consensus.hex,
      hotkey: v.hot.address,
      coldkey: v.cold.address,
      stake: '100',
    })),
  });
}

/** A commit over the state's last block signed by the given validators. */
function commitBy(state: ChainState, signers = vals): Commit | null {
  if (state.height === 0) return null;
  const bytes = voteSignBytes(state.chainId, state.height, 0, state.lastBlockHash);
  const signatures = signers
    .map((v) => ({
      validator: v.consensus.hex,
      signature: toHex(signMessage(v.consensus.secret, bytes)),
    }))
    .sort((a, b) => (a.validator < b.validator ? -1 : 1));
  return { height: state.height, round: 0, blockHash: state.lastBlockHash, signatures };
}

function next(
  state: ChainState,
  opts: { evidence?: Evidence[]; txs?: BuildResult['included']; proposer?: Hex } = {},
): BuildResult {
  return buildBlock(state, {
    time: state.lastBlockTime + 1000,
    proposer: opts.proposer ?? state.validatorSets.next.validators[0]!.key,
    lastCommit: commitBy(state),
    txs: opts.txs ?? [],
    evidence: opts.evidence ?? [],
  });
}

function advance(state: ChainState, n: number): ChainState {
  let s = state;
  for (let i = 0; i < n; i++) s = next(s).state;
  return s;
}

const id = (label: string): Hex => toHex(hash256(new TextEncoder().encode(label)));

/** Two conflicting votes of validator `v`, in canonical order. */
function doubleSign(
  v: { consensus: TestKey },
  height: number,
  round = 0,
  type: VoteType = 'prevote',
  labels: [string, string] = ['x', 'y'],
): Evidence {
  const [h1, h2] = [id(labels[0]), id(labels[1])].sort();
  const sign = (blockHash: Hex) =>
    signVote(CHAIN_ID, { type, height, round, blockHash }, v.consensus.secret, v.consensus.hex);
  return { kind: 'duplicate-vote', a: sign(h1!), b: sign(h2!) };
}

function stakeOf(state: ChainState, hot: TestKey): bigint {
  return state.hotkeys.get(hot.hex)?.totalStake ?? 0n;
}

function expectBadEvidence(state: ChainState, block: Block, reason: string): void {
  const r = applyBlock(state, block);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, 'CHAIN_BAD_EVIDENCE', r.error.message);
  assert.equal(r.error.data.reason, reason);
}

/** Re-hashes a block's body and header after its evidence was changed by hand. */
function withEvidence(block: Block, evidence: Evidence[]): Block {
  return {
    ...block,
    evidence,
    header: { ...block.header, evidenceHash: evidenceHashOf(evidence) },
  };
}

describe('slashStakes', () => {
  test('takes exactly the amount, in proportion, largest remainder first', () => {
    const stakes: Array<readonly [Hex, bigint]> = [
      ['aa', 1n],
      ['bb', 3n],
      ['cc', 6n],
    ];
    // 10 rao at 5 % → 0 (floor): nothing moves
    assert.deepEqual(slashStakes(stakes, 10n, 0n).losses, []);
    // 7 of 10: shares 0.7, 2.1, 4.2 → floors 0, 2, 4 (6), one rao left → largest fraction (aa)
    const r = slashStakes(stakes, 10n, 7n);
    assert.deepEqual(r.losses, [
      ['aa', 1n],
      ['bb', 2n],
      ['cc', 4n],
    ]);
    assert.deepEqual(r.stakes, [
      ['bb', 1n],
      ['cc', 2n],
    ]);
    // ties go to the lower coldkey
    const tie = slashStakes(
      [
        ['aa', 5n],
        ['bb', 5n],
      ],
      10n,
      5n,
    );
    assert.deepEqual(tie.losses, [
      ['aa', 3n],
      ['bb', 2n],
    ]);
    // everything: nothing left, no zero entries
    assert.deepEqual(slashStakes(stakes, 10n, 10n).stakes, []);
    assert.throws(() => slashStakes(stakes, 10n, 11n), RangeError);
  });

  test('random splits always sum to the amount and never take more than the share rounded up', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      const stakes = Array.from(
        { length: 1 + rnd(6) },
        (_, i) => [i.toString(16).padStart(2, '0'), BigInt(1 + rnd(1_000_000))] as const,
      );
      let total = 0n;
      for (const [, s] of stakes) total += s;
      const amount = (total * BigInt(rnd(10_001))) / 10_000n;
      const r = slashStakes(stakes, total, amount);
      let lost = 0n;
      for (const [c, loss] of r.losses) {
        const stake = stakes.find(([x]) => x === c)![1];
        const exact = (stake * amount) / total;
        assert.ok(loss === exact || loss === exact + 1n, `${c}: ${loss} vs ${exact}`);
        lost += loss;
      }
      assert.equal(lost, amount);
      let left = 0n;
      for (const [, s] of r.stakes) left += s;
      assert.equal(left, total - amount);
    }
  });
});

describe('evidence in blocks', () => {
  test('evidence round-trips through the block codec and its hash commits to it', () => {
    const e = doubleSign(vals[1]!, 3, 2, 'precommit');
    assert.deepEqual(decodeEvidence(encodeEvidence(e)), e);
    const s = advance(genesis(), 3);
    const built = next(s, { evidence: [e] });
    assert.equal(built.block.evidence.length, 1);
    const bytes = encodeBlock(built.block);
    assert.deepEqual(decodeBlock(bytes), built.block);
    assert.notEqual(built.block.header.evidenceHash, evidenceHashOf([]));
    // an empty list hashes as before evidence existed
    assert.equal(evidenceHashOf([]), toHex(hash256(encodeCanonical([]))));
    // unknown kinds and vote types do not decode
    assert.throws(
      () => decodeEvidence(encodeCanonical([2, [], []])),
      (err) => isNoesisError(err, 'CHAIN_MALFORMED'),
    );
    const bad = encodeCanonical([
      1,
      [3, 3, 0, new Uint8Array(32), new Uint8Array(32), new Uint8Array(64)],
      [1, 3, 0, new Uint8Array(32), new Uint8Array(32), new Uint8Array(64)],
    ]);
    assert.throws(
      () => decodeEvidence(bad),
      (err) => isNoesisError(err, 'CHAIN_MALFORMED'),
    );
  });

  test('applying evidence burns exactly slashFraction of the stake and removes the validator two heights later', () => {
    let s = genesis({ slashFraction: 1234 });
    // a nominator on validator 2's hotkey, so two stakers share the slash
    const stakeTx = tx(s, alice, {
      kind: 'add_stake',
      hotkey: vals[2]!.hot.hex,
      amount: 37n * TAO + 5n,
    });
    s = next(s, { txs: [stakeTx] }).state;
    s = advance(s, 2);
    const offender = vals[2]!;
    const before = s.hotkeys.get(offender.hot.hex)!;
    const emission = next(s).state.totalIssuance - s.totalIssuance;
    const e = doubleSign(offender, s.height, 1);
    const built = next(s, { evidence: [e] });
    assert.deepEqual(built.rejectedEvidence, []);
    const H = built.block.header.height;
    // every node applying the block reaches the same state
    const applied = applyBlock(s, built.block);
    assert.ok(applied.ok);
    assert.equal(stateRoot(applied.state), stateRoot(built.state));
    const after = built.state;
    const amount = (before.totalStake * 1234n) / 10_000n;
    assert.ok(amount > 0n);
    assert.equal(stakeOf(after, offender.hot), before.totalStake - amount);
    const split = slashStakes(before.stakes, before.totalStake, amount);
    assert.deepEqual(after.hotkeys.get(offender.hot.hex)!.stakes, split.stakes);
    assert.equal(split.losses.length, 2);
    // burned: out of the issuance (counted as recycled), the books still balance
    assert.equal(after.totalIssuance, s.totalIssuance + emission - amount);
    assert.equal(after.totalRecycled, s.totalRecycled + amount);
    const supply = supplyBreakdown(after);
    assert.equal(supply.total, supply.issuance);
    // recorded once, announced once
    const record = {
      evidence: evidenceKey(e),
      validator: offender.consensus.hex,
      hotkey: offender.hot.hex,
      offenceHeight: s.height,
      height: H,
      amount,
      removed: true,
    };
    assert.deepEqual(after.slashes, [record]);
    assert.deepEqual(
      applied.events.filter((x) => x.type === 'slash'),
      [{ type: 'slash', ...record }],
    );
    // off the list at once; still in the set of H+1 (fixed before), out of the set of H+2
    assert.ok(!after.validators.some((v) => v.key === offender.consensus.hex));
    const inSet = (st: ChainState) =>
      st.validatorSets.next.validators.some((v) => v.key === offender.consensus.hex);
    assert.ok(inSet(after), 'the set of H+1 was fixed before the slash');
    assert.ok(!validatorMembers(after).some((m) => m.key === offender.consensus.hex));
    const h1 = next(after, { proposer: offender.consensus.hex });
    assert.ok(applyBlock(after, h1.block).ok, 'it may still propose H+1');
    assert.ok(!inSet(h1.state), 'gone from the set of H+2');
    const h2 = next(h1.state, { proposer: offender.consensus.hex });
    const refused = applyBlock(h1.state, h2.block);
    assert.ok(!refused.ok && refused.error.code === 'CHAIN_UNKNOWN_PROPOSER');
    // the snapshot keeps sets and records
    const restored = decodeState(encodeState(h1.state));
    assert.deepEqual(restored.validatorSets, h1.state.validatorSets);
    assert.deepEqual(restored.slashes, h1.state.slashes);
    assert.equal(stateRoot(restored), stateRoot(h1.state));

    // never twice: the same evidence, or another pair proving the same double signing
    const plain = next(after);
    expectBadEvidence(after, withEvidence(plain.block, [e]), 'already-applied');
    const samePair = doubleSign(offender, s.height, 1, 'prevote', ['z', 'y']);
    assert.equal(evidenceKey(samePair), evidenceKey(e));
    expectBadEvidence(after, withEvidence(plain.block, [samePair]), 'already-applied');
    // and a later double signing of the removed validator finds no validator to punish
    expectBadEvidence(
      after,
      withEvidence(plain.block, [doubleSign(offender, H, 0)]),
      'not-validator',
    );
    // a proposer that offers it anyway just leaves it out
    assert.equal(next(after, { evidence: [e] }).block.evidence.length, 0);
    assert.equal(
      next(after, { evidence: [e] }).rejectedEvidence[0]!.error.data.reason,
      'already-applied',
    );
  });

  test('bad evidence makes the block invalid and changes nothing', () => {
    const s = advance(genesis({ evidenceMaxAge: 100 }), 3);
    const plain = next(s);
    const v = vals[1]!;
    const good = doubleSign(v, 2);
    const forged: Evidence = { ...good, b: { ...good.b, signature: good.a.signature } };
    expectBadEvidence(s, withEvidence(plain.block, [forged]), 'bad-signature');
    const same: Evidence = { ...good, b: good.a };
    expectBadEvidence(s, withEvidence(plain.block, [same]), 'not-conflicting');
    const swapped: Evidence = { ...good, a: good.b, b: good.a };
    expectBadEvidence(s, withEvidence(plain.block, [swapped]), 'not-conflicting');
    const otherRound = doubleSign(v, 2, 1);
    const mixed: Evidence = { ...good, b: otherRound.b };
    expectBadEvidence(s, withEvidence(plain.block, [mixed]), 'not-conflicting');
    expectBadEvidence(s, withEvidence(plain.block, [doubleSign(v, 9)]), 'future');
    const stranger = { consensus: testKey('not-a-validator') };
    expectBadEvidence(s, withEvidence(plain.block, [doubleSign(stranger, 2)]), 'not-validator');
    const twice = withEvidence(plain.block, [good, good]);
    expectBadEvidence(s, twice, 'already-applied');
    const tooMany = withEvidence(
      plain.block,
      Array.from({ length: MAX_BLOCK_EVIDENCE + 1 }, (_, i) => doubleSign(v, 2, i)),
    );
    const r = applyBlock(s, tooMany);
    assert.ok(!r.ok && r.error.code === 'CHAIN_BLOCK_TOO_LARGE');
    // too old: 101 blocks after the offence with a max age of 100
    const old = doubleSign(v, 1);
    const later = advance(s, 98);
    assert.equal(later.height + 1 - 1, 101);
    expectBadEvidence(later, withEvidence(next(later).block, [old]), 'expired');
    const atLimit = advance(s, 97);
    assert.equal(next(atLimit, { evidence: [old] }).block.evidence.length, 1, 'age 100 is fine');
    // none of it touched the state: the honest block still applies on s
    assert.ok(applyBlock(s, plain.block).ok);
    assert.equal(s.slashes.length, 0);
    assert.equal(s.validators.length, 4);
  });

  test('the last commit is weighed by the set that voted, not by live stake', () => {
    const s = advance(genesis(), 2);
    // three of four equal validators signed: 3/4 of the set of that height
    const three = commitBy(s, vals.slice(0, 3));
    assert.doesNotThrow(() => checkLastCommit(s, s.height + 1, three));
    // live stake has moved since (validator 3 now holds most of it): still the set decides
    const rich: ChainState = {
      ...s,
      hotkeys: (() => {
        const d = s.hotkeys.draft();
        const rec = s.hotkeys.get(vals[3]!.hot.hex)!;
        d.set(vals[3]!.hot.hex, {
          ...rec,
          totalStake: rec.totalStake * 100n,
          stakes: [[rec.stakes[0]![0], rec.totalStake * 100n]],
        });
        return d.finish();
      })(),
    };
    assert.doesNotThrow(() => checkLastCommit(rich, s.height + 1, three));
    // and two of four stay short however the live stake stands
    assert.throws(
      () => checkLastCommit(s, s.height + 1, commitBy(s, vals.slice(0, 2))),
      (err) => isNoesisError(err, 'CHAIN_BAD_COMMIT'),
    );
    // a validator of the set signing is enough even when it has left the list since
    const removed: ChainState = { ...s, validators: s.validators.slice(1) };
    assert.doesNotThrow(() => checkLastCommit(removed, s.height + 1, three));
  });

  test('the sets the state keeps are the consensus rule over the membership two heights back', () => {
    const states = [genesis()];
    for (let h = 1; h <= 8; h++) {
      const prev = states[h - 1]!;
      // block 3 moves stake: the power of validator 1 changes from the set of height 5 on
      const txs =
        h === 3
          ? [tx(prev, alice, { kind: 'add_stake', hotkey: vals[1]!.hot.hex, amount: 50n * TAO })]
          : [];
      const proposer = prev.validatorSets.next.validators[h % 4]!.key;
      const built = next(prev, { txs, proposer });
      assert.equal(built.included.length, txs.length);
      states.push(built.state);
      assert.deepEqual(built.state.validatorSets.last, prev.validatorSets.next);
    }
    const reference = (h: number) => validatorSetForHeight(h, (k) => validatorMembers(states[k]!));
    for (let h = 1; h <= 8; h++) {
      assert.deepEqual(states[h - 1]!.validatorSets.next, reference(h), `set of height ${h}`);
    }
    const power = (h: number) => powerOf(states[h - 1]!.validatorSets.next, vals[1]!.consensus.hex);
    assert.equal(power(4), power(1));
    assert.equal(power(5), power(4) + 50n * TAO, 'decided in block 3, in force at height 5');
  });
});

describe('evidence pool', () => {
  test('keeps valid evidence once, hands out one per validator, drops what a block applied', () => {
    const s = advance(genesis(), 4);
    const pool = new EvidencePool();
    const e1 = doubleSign(vals[0]!, 3);
    const e2 = doubleSign(vals[0]!, 4, 0, 'precommit');
    const e3 = doubleSign(vals[1]!, 2);
    assert.equal(pool.add(s, e1).result, 'added');
    assert.equal(pool.add(s, e1).result, 'known');
    assert.equal(pool.add(s, e2).result, 'added');
    assert.equal(pool.add(s, e3).result, 'added');
    assert.throws(
      () => pool.add(s, { ...e3, b: { ...e3.b, signature: e3.a.signature } }),
      (err) => isNoesisError(err, 'CHAIN_BAD_EVIDENCE'),
    );
    assert.equal(pool.size, 3);
    const pending = pool.pending(s);
    assert.deepEqual(pending, [e3, e1], 'oldest offence first, one per validator');
    const built = next(s, { evidence: pending });
    assert.equal(built.block.evidence.length, 2);
    pool.prune(built.state);
    assert.equal(pool.size, 0, 'applied, and validator 0 is gone so e2 cannot apply');
  });

  test('is bounded: a newer offence replaces the oldest', () => {
    const s = advance(genesis(), 6);
    const pool = new EvidencePool({ max: 2 });
    pool.add(s, doubleSign(vals[0]!, 3));
    pool.add(s, doubleSign(vals[1]!, 5));
    assert.equal(pool.add(s, doubleSign(vals[2]!, 1)).result, 'known', 'older than all: not kept');
    assert.equal(pool.add(s, doubleSign(vals[2]!, 6)).result, 'added');
    assert.equal(pool.size, 2);
    assert.deepEqual(
      pool.pending(s).map((e) => e.a.height),
      [5, 6],
    );
  });
});

describe('slashes in the store and the Explorer', () => {
  test('a block with evidence is logged, indexed, replayed after a restart, and shown with its slash', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-slash-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const doc = genesisDoc({ slashFraction: 500 });
    let store = await ChainStore.open({ dir, genesis: genesisState(doc), snapshotEvery: 3 });
    const commitOf = (b: BuildResult): Commit => {
      const h = b.block.header.height;
      const bytes = voteSignBytes(CHAIN_ID, h, 0, b.hash);
      const signatures = vals
        .map((v) => ({
          validator: v.consensus.hex,
          signature: toHex(signMessage(v.consensus.secret, bytes)),
        }))
        .sort((a, b2) => (a.validator < b2.validator ? -1 : 1));
      return { height: h, round: 0, blockHash: b.hash, signatures };
    };
    const produce = async (evidence: Evidence[] = []) => {
      const s = store.state;
      const built = buildBlock(s, {
        time: s.lastBlockTime + 1000,
        proposer: s.validatorSets.next.validators[0]!.key,
        lastCommit: store.tipCommit,
        txs: [],
        evidence,
      });
      await store.commitBlock(built.block, commitOf(built), built.state, built.events);
      return built;
    };
    await produce();
    await produce();
    const offender = vals[3]!;
    const stake = stakeOf(store.state, offender.hot);
    const e = doubleSign(offender, 2, 0, 'precommit');
    const withE = await produce([e]);
    await produce();
    const root = stateRoot(store.state);
    const amount = (stake * 500n) / 10_000n;

    const view = async () => (await new ChainQueries(store).block(3)).evidence;
    const expected = [
      {
        id: evidenceKey(e),
        validator: offender.consensus.hex,
        hotkey: offender.hot.address,
        height: 2,
        round: 0,
        voteType: 'precommit',
        blockHashes: [e.a.blockHash, e.b.blockHash],
        slashed: amount.toString(),
        removed: true,
      },
    ];
    assert.deepEqual(await view(), expected);
    assert.deepEqual((await new ChainQueries(store).block(2)).evidence, []);
    assert.equal(withE.block.header.height, 3);

    // reopened: the log replays the evidence (no signatures checked again) to the same state
    await store.close();
    store = await ChainStore.open({ dir, genesis: genesisState(doc), snapshotEvery: 3 });
    assert.equal(stateRoot(store.state), root);
    assert.equal(store.state.slashes.length, 1);
    assert.deepEqual(await view(), expected);
    await store.close();
  });
});
