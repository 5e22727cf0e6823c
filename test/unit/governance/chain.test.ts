/**
 * Governance on the chain: propose and vote through real blocks, tallies and enactment at the end
 * of the period, deposits refunded or burned, conviction locks refusing an unstake, refused
 * transactions leaving the state root unchanged, golden bytes of the new kinds, snapshots.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeSignedTx,
  encodeTxBody,
  decodeSignedTx,
} from '../../../electron/node/chain/codec.ts';
import { toHex } from '../../../electron/node/chain/crypto.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import { GovernanceQueries } from '../../../electron/node/chain/governance-queries.ts';
import { compareVersions } from '../../../electron/node/chain/service.ts';
import { applyTx, supplyBreakdown } from '../../../electron/node/chain/state.ts';
import { decodeState, encodeState } from '../../../electron/node/chain/state-codec.ts';
import { stateRoot } from '../../../electron/node/chain/state-root.ts';
import {
  signTx,
  txHash,
  type SignedTx,
  type TxBody,
  type TxCall,
} from '../../../electron/node/chain/tx.ts';
import { netuidKey, proposalKey, type ChainState } from '../../../electron/node/chain/types.ts';
import {
  alice,
  aliceHot,
  bob,
  carol,
  CHAIN_ID,
  commitFor,
  nextBlock,
  TAO,
  testGenesis,
  testGenesisDoc,
  tx,
} from '../chain/fixtures.ts';

function genesis(params: Record<string, unknown> = {}): ChainState {
  const doc = testGenesisDoc();
  return testGenesis({
    params: {
      ...doc.params,
      votingPeriod: 10,
      enactmentDelay: 2,
      quorum: 2000,
      proposalDeposit: '10',
      // No epoch in these short runs (stake would grow by dividends), unless a test enacts one.
      subnetDefaults: { ...doc.params?.subnetDefaults, tempo: 1000 },
      ...params,
    },
  });
}

function step(state: ChainState, txs: SignedTx[] = []): ChainState {
  const b = nextBlock(state, txs, commitFor(state));
  assert.deepEqual(
    b.rejected.map((r) => `${r.error.code} ${r.error.message}`),
    [],
  );
  const supply = supplyBreakdown(b.state);
  assert.equal(supply.total, supply.issuance, 'total supply drifted');
  return b.state;
}

function until(state: ChainState, height: number): ChainState {
  let s = state;
  while (s.height < height) s = step(s);
  return s;
}

/** Refused by applyTx with `code`, and a block that offers it gives the root of an empty block. */
function refused(state: ChainState, t: SignedTx, code: string): void {
  const before = stateRoot(state);
  const r = applyTx(state, t);
  assert.equal(r.ok ? 'ok' : r.error.code, code);
  assert.equal(stateRoot(state), before, 'applyTx changed its input');
  const offered = nextBlock(state, [t], commitFor(state));
  const empty = nextBlock(state, [], commitFor(state));
  assert.equal(offered.rejected.length, 1);
  assert.equal(offered.block.header.stateRoot, empty.block.header.stateRoot);
}

const propose = (
  action: Extract<TxCall, { kind: 'propose' }>['action'],
  extra: Partial<Extract<TxCall, { kind: 'propose' }>> = {},
): TxCall => ({
  kind: 'propose',
  deposit: 10n * TAO,
  title: 'Faster epochs',
  description: '',
  action,
  ...extra,
});
const tempo50 = propose({ kind: 'param', param: 'tempo', netuid: 1, value: 50n });
const vote = (proposal: number, choice: 'yes' | 'no' | 'abstain', conviction = 0): TxCall => ({
  kind: 'vote',
  proposal,
  choice,
  conviction,
});

function prop(state: ChainState, id: number) {
  const p = state.proposals.get(proposalKey(id));
  assert.ok(p, `proposal ${id}`);
  return p;
}

test('golden bytes of propose and vote', () => {
  const base = { chainId: CHAIN_ID, signer: alice.hex, nonce: 3, fee: 100_000n };
  const proposeBody = {
    ...base,
    ...propose({ kind: 'param', param: 'tempo', netuid: 1, value: 50n }, { description: 'why' }),
  } as TxBody;
  const voteBody = { ...base, ...vote(0, 'yes', 6) } as TxBody;
  const upgradeBody = {
    ...base,
    ...propose({ kind: 'upgrade', version: '0.2.0', activationHeight: 1000 }, { title: 'v0.2' }),
  } as TxBody;
  const textBody = {
    ...base,
    ...propose({ kind: 'text' }, { title: 'Hi', deposit: 0n }),
  } as TxBody;
  const golden: Array<[TxBody, string]> = [
    [proposeBody, GOLDEN_PROPOSE],
    [voteBody, GOLDEN_VOTE],
    [upgradeBody, GOLDEN_UPGRADE],
    [textBody, GOLDEN_TEXT],
  ];
  for (const [body, hex] of golden) {
    assert.equal(toHex(encodeTxBody(body)), hex, body.kind);
    const signed = signTx(body, alice.secret);
    assert.deepEqual(decodeSignedTx(encodeSignedTx(signed)), signed);
  }
  assert.equal(txHash(signTx(voteBody, alice.secret)), GOLDEN_VOTE_HASH);
});

// CBOR [1, "noesis-test", "propose", signer, 3, 100000, [10 TAO, "Faster epochs", "why",
//       ["param", "tempo", 1, 50]]]
const GOLDEN_PROPOSE =
  '87016b6e6f657369732d746573746770726f706f73655820334ee5b162254be5736660e490f03e6dfcac558c' +
  '06227934d09451d8227b388c031a000186a0841b00000002540be4006d4661737465722065706f6368736377' +
  '68798465706172616d6574656d706f011832';
// CBOR [1, "noesis-test", "vote", signer, 3, 100000, [0, "yes", 6]]
const GOLDEN_VOTE =
  '87016b6e6f657369732d7465737464766f74655820334ee5b162254be5736660e490f03e6dfcac558c062279' +
  '34d09451d8227b388c031a000186a083006379657306';
const GOLDEN_UPGRADE =
  '87016b6e6f657369732d746573746770726f706f73655820334ee5b162254be5736660e490f03e6dfcac558c' +
  '06227934d09451d8227b388c031a000186a0841b00000002540be4006476302e326083677570677261646565' +
  '302e322e301903e8';
const GOLDEN_TEXT =
  '87016b6e6f657369732d746573746770726f706f73655820334ee5b162254be5736660e490f03e6dfcac558c' +
  '06227934d09451d8227b388c031a000186a0840062486960816474657874';
const GOLDEN_VOTE_HASH = '680882f5b6ec58a0ff17ab61e2fdd518b8f20f443bd5dd2159fa59522d612d1c';

test('a parameter change: proposed, voted, passed, enacted after the delay; history kept', () => {
  let s = genesis();
  s = step(s, [tx(s, alice, tempo50)]);
  const p0 = prop(s, 0);
  assert.equal(p0.status, 'active');
  assert.equal(p0.endHeight, 11);
  assert.equal(s.accounts.get(alice.hex)?.free, 1000n * TAO - 10n * TAO - 100_000n);
  s = step(s, [tx(s, alice, vote(0, 'yes', 1))]);
  s = until(s, 10);
  assert.equal(prop(s, 0).status, 'active');
  s = step(s); // block 11: the tally
  const closed = prop(s, 0);
  assert.equal(closed.status, 'passed');
  assert.equal(closed.enactHeight, 13);
  assert.equal(closed.tally?.yes, 100n * TAO, 'conviction 1: ×1 of 100 TAO');
  assert.equal(closed.tally?.quorumReached, true);
  assert.equal(s.accounts.get(alice.hex)?.free, 1000n * TAO - 2n * 100_000n, 'deposit refunded');
  s = step(s);
  assert.equal(s.subnets.get(netuidKey(1))?.params.tempo, 1000);
  s = step(s); // block 13: enacted
  const enacted = prop(s, 0);
  assert.equal(enacted.status, 'enacted');
  assert.equal(enacted.enactedAt, 13);
  assert.equal(enacted.oldValue, 1000n);
  assert.equal(s.subnets.get(netuidKey(1))?.params.tempo, 50);
  const q = new GovernanceQueries(
    () => s,
    () => 1000,
  );
  const [h] = q.history();
  assert.equal(h?.param?.oldValue, '1000');
  assert.equal(h?.param?.value, '50');
  assert.equal(h?.proposer, alice.address);
  assert.equal(h?.tally.yes, (100n * TAO).toString());
  // The next epoch runs under the new tempo: 50 blocks after the last one (genesis), not 1000.
  assert.equal(s.subnets.get(netuidKey(1))!.epochCount, 0);
  s = until(s, 49);
  assert.equal(s.subnets.get(netuidKey(1))!.epochCount, 0);
  s = step(s);
  assert.equal(s.subnets.get(netuidKey(1))!.lastEpochBlock, 50);
  assert.equal(s.subnets.get(netuidKey(1))!.epochCount, 1);
});

test('chain parameters and the defaults of new subnets change too', () => {
  let s = genesis();
  s = step(s, [
    tx(s, alice, propose({ kind: 'param', param: 'quorum', netuid: null, value: 5000n })),
    tx(s, alice, propose({ kind: 'param', param: 'kappa', netuid: null, value: 40000n }), {
      nonce: 1,
    }),
  ]);
  s = step(s, [tx(s, alice, vote(0, 'yes')), tx(s, alice, vote(1, 'yes'), { nonce: 3 })]);
  s = until(s, 13);
  assert.equal(s.params.quorum, 5000);
  assert.equal(s.params.subnetDefaults.kappa, 40000);
  assert.equal(s.subnets.get(netuidKey(1))?.params.kappa, 32767, 'existing subnets keep theirs');
});

test('quorum not reached: rejected and the deposit burned; abstain counts for the quorum', () => {
  // Bob holds 800 of 900 staked TAO on his own hotkey, so alice's 100 TAO is below 20 %.
  let s = genesis();
  s = step(s, [tx(s, alice, { kind: 'transfer', to: bob.hex, amount: 900n * TAO })]);
  s = step(s, [tx(s, bob, { kind: 'register', netuid: 1, hotkey: carol.hex, maxBurn: 10n * TAO })]);
  s = step(s, [tx(s, bob, { kind: 'add_stake', hotkey: carol.hex, amount: 800n * TAO })]);
  const start = s;
  s = step(s, [tx(s, alice, tempo50)]);
  s = step(s, [tx(s, alice, vote(0, 'yes', 6))]);
  const free = s.accounts.get(alice.hex)!.free;
  const recycled = s.totalRecycled;
  s = until(s, prop(s, 0).endHeight);
  const r = prop(s, 0);
  assert.equal(r.tally?.yes, 600n * TAO, 'conviction 6 multiplies power…');
  assert.equal(r.tally?.quorumReached, false, '…but not turnout');
  assert.equal(r.status, 'rejected');
  assert.equal(s.accounts.get(alice.hex)!.free, free, 'deposit not refunded');
  assert.equal(s.totalRecycled - recycled, 10n * TAO, 'deposit burned (recycled)');

  // The same, with bob abstaining (changing his mind from "no" before the end): quorum met.
  let t = step(start, [tx(start, alice, tempo50)]);
  t = step(t, [tx(t, alice, vote(0, 'yes', 6)), tx(t, bob, vote(0, 'no'))]);
  t = until(t, prop(t, 0).endHeight - 1);
  t = step(t, [tx(t, bob, vote(0, 'abstain'))]);
  const q = prop(t, 0);
  assert.equal(q.tally?.no, 0n);
  assert.equal(q.tally?.abstain, 80n * TAO);
  assert.equal(q.tally?.quorumReached, true);
  assert.equal(q.status, 'passed');
});

test('a delegator overrides its validator for its own stake', () => {
  let s = genesis();
  s = step(s, [tx(s, bob, { kind: 'add_stake', hotkey: aliceHot.hex, amount: 40n * TAO })]);
  s = step(s, [tx(s, alice, tempo50)]);
  s = step(s, [tx(s, alice, vote(0, 'yes', 1))]);
  const q = new GovernanceQueries(
    () => s,
    () => 1000,
  );
  assert.equal(q.show(0).tally.yes, (100n * TAO + 4n * TAO).toString(), 'bob follows alice ×0.1');
  s = step(s, [tx(s, bob, vote(0, 'no', 2))]);
  const shown = new GovernanceQueries(
    () => s,
    () => 1000,
  ).show(0);
  assert.equal(shown.tally.yes, (100n * TAO).toString());
  assert.equal(shown.tally.no, (80n * TAO).toString(), 'bob: 40 TAO ×2');
  s = until(s, prop(s, 0).endHeight);
  assert.equal(prop(s, 0).tally?.no, 80n * TAO);
  assert.equal(prop(s, 0).status, 'passed');
});

test('a conviction lock refuses an unstake until it ends', () => {
  let s = genesis();
  s = step(s, [tx(s, alice, tempo50)]);
  s = step(s, [tx(s, alice, vote(0, 'yes', 2))]);
  const p = prop(s, 0);
  const lockUntil = p.endHeight + 2 * 10;
  const unstake = (st: ChainState) =>
    tx(st, alice, { kind: 'remove_stake', hotkey: aliceHot.hex, amount: 1n * TAO });
  refused(s, unstake(s), ChainErrorCode.STAKE_LOCKED);
  s = until(s, lockUntil - 2);
  refused(s, unstake(s), ChainErrorCode.STAKE_LOCKED); // in block lockUntil − 1: still locked
  s = step(s);
  const view = new GovernanceQueries(
    () => s,
    () => 1000,
  ).voter(alice.address);
  assert.equal(view.lockUntil, lockUntil);
  assert.equal(view.locked, (100n * TAO).toString());
  s = step(s, [unstake(s)]); // block lockUntil: the lock has ended
  assert.ok(applyTx(s, unstake(s)).ok);
});

test('refused proposals and votes leave the state root unchanged', () => {
  let s = genesis();
  const p = (call: TxCall) => tx(s, alice, call);
  refused(
    s,
    p(propose({ kind: 'param', param: 'nope', netuid: 1, value: 1n })),
    ChainErrorCode.GOV_UNKNOWN_PARAM,
  );
  refused(
    s,
    p(propose({ kind: 'param', param: 'tempo', netuid: 1, value: 5n })),
    ChainErrorCode.GOV_VALUE_OUT_OF_BOUNDS,
  );
  refused(
    s,
    p(propose({ kind: 'param', param: 'tempo', netuid: 1, value: 50_401n })),
    ChainErrorCode.GOV_VALUE_OUT_OF_BOUNDS,
  );
  refused(
    s,
    p(propose({ kind: 'param', param: 'quorum', netuid: 1, value: 10n })),
    ChainErrorCode.GOV_PARAM_SCOPE,
  );
  refused(
    s,
    p(propose({ kind: 'param', param: 'tempo', netuid: 9, value: 50n })),
    ChainErrorCode.UNKNOWN_SUBNET,
  );
  refused(s, p({ ...tempo50, deposit: 0n } as TxCall), ChainErrorCode.GOV_DEPOSIT_MISSING);
  refused(s, p({ ...tempo50, deposit: 9n * TAO } as TxCall), ChainErrorCode.GOV_DEPOSIT_MISSING);
  refused(
    s,
    tx(s, bob, { ...tempo50, deposit: 60n * TAO } as TxCall),
    ChainErrorCode.INSUFFICIENT_BALANCE,
  );
  refused(s, p({ ...tempo50, title: '  ' } as TxCall), ChainErrorCode.GOV_BAD_TEXT);
  refused(
    s,
    p(propose({ kind: 'upgrade', version: 'v2', activationHeight: 100 })),
    ChainErrorCode.GOV_BAD_UPGRADE,
  );
  refused(
    s,
    p(propose({ kind: 'upgrade', version: '0.2.0', activationHeight: 5 })),
    ChainErrorCode.GOV_BAD_UPGRADE,
  );
  refused(s, p(vote(0, 'yes')), ChainErrorCode.GOV_UNKNOWN_PROPOSAL);
  s = step(s, [tx(s, alice, tempo50)]);
  refused(s, tx(s, bob, vote(0, 'yes')), ChainErrorCode.GOV_NO_STAKE);
  refused(s, tx(s, alice, vote(0, 'yes', 7)), ChainErrorCode.GOV_BAD_CONVICTION);
  // Wrong signer: alice's vote signed with bob's key.
  const body = {
    chainId: CHAIN_ID,
    signer: alice.hex,
    nonce: 1,
    fee: 100_000n,
    ...vote(0, 'yes'),
  } as TxBody;
  const forged = { body, signature: signTx({ ...body, signer: bob.hex }, bob.secret).signature };
  refused(s, forged, ChainErrorCode.BAD_SIGNATURE);
  s = until(s, prop(s, 0).endHeight);
  refused(s, tx(s, alice, vote(0, 'no')), ChainErrorCode.GOV_VOTING_CLOSED);
});

test('upgrade signals need two thirds and are enacted at their activation height; text passes', () => {
  let s = genesis();
  s = step(s, [
    tx(
      s,
      alice,
      propose({ kind: 'upgrade', version: '0.2.0', activationHeight: 20 }, { title: 'v0.2' }),
    ),
    tx(s, alice, propose({ kind: 'text' }, { title: 'Hello', description: 'A note' }), {
      nonce: 1,
    }),
  ]);
  s = step(s, [tx(s, alice, vote(0, 'yes')), tx(s, alice, vote(1, 'yes'), { nonce: 3 })]);
  s = until(s, 11);
  assert.equal(prop(s, 0).status, 'passed');
  assert.equal(prop(s, 0).enactHeight, 20);
  assert.equal(prop(s, 1).status, 'passed');
  s = until(s, 20);
  assert.equal(prop(s, 0).status, 'enacted');
  assert.equal(prop(s, 1).status, 'passed');
  assert.deepEqual(s.governance.open, []);
  assert.deepEqual(s.governance.queued, []);
});

test('governance state survives a snapshot and is covered by the state root', () => {
  let s = genesis();
  s = step(s, [tx(s, alice, tempo50)]);
  s = step(s, [tx(s, alice, vote(0, 'yes', 3))]);
  const again = decodeState(encodeState(s));
  assert.equal(stateRoot(again), stateRoot(s));
  assert.deepEqual(again.governance, s.governance);
  const other = nextBlock(s, [tx(s, alice, vote(0, 'no', 3))], commitFor(s));
  const same = nextBlock(s, [], commitFor(s));
  assert.notEqual(
    other.block.header.stateRoot,
    same.block.header.stateRoot,
    'a vote changes the root',
  );
});

test('upgrade versions compare numerically (a node below a passed upgrade warns)', () => {
  assert.ok(compareVersions('0.10.0', '0.9.9') > 0);
  assert.ok(compareVersions('1.0.0', '1.0.0') === 0);
  assert.ok(compareVersions('0.1.0', '0.2.0') < 0);
});
