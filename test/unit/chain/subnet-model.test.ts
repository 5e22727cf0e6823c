/**
 * Subnet models on chain: genesis with and without a model (partial rules over the defaults, the
 * local template naming the smallest catalogue model), create_subnet carrying one (each bad field
 * refused with its own code and nothing changed), the subnet_model governance action enacted
 * after the vote, the state root and snapshots covering the model, and the plain words a person
 * confirms.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { decodeSignedTx, encodeSignedTx } from '../../../electron/node/chain/codec.ts';
import { describeTx } from '../../../electron/node/chain/describe.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import { genesisState } from '../../../electron/node/chain/genesis.ts';
import { GovernanceQueries } from '../../../electron/node/chain/governance-queries.ts';
import { loadLocalTemplate, localGenesis } from '../../../electron/node/chain/local-network.ts';
import { applyTx, supplyBreakdown } from '../../../electron/node/chain/state.ts';
import { decodeState, encodeState } from '../../../electron/node/chain/state-codec.ts';
import { stateRoot } from '../../../electron/node/chain/state-root.ts';
import { DEFAULT_MODEL_RULES, subnetModel } from '../../../electron/node/chain/subnet-model.ts';
import type { SignedTx, TxBody, TxCall } from '../../../electron/node/chain/tx.ts';
import {
  netuidKey,
  proposalKey,
  type ChainState,
  type SubnetModel,
} from '../../../electron/node/chain/types.ts';
import { DEFAULT_CATALOG_PATH, parseCatalog } from '../../../electron/node/inference/catalog.ts';
import {
  alice,
  aliceHot,
  CHAIN_ID,
  commitFor,
  nextBlock,
  TAO,
  testGenesis,
  testGenesisDoc,
  testKey,
  tx,
  validatorKey,
} from './fixtures.ts';

const SHA = 'ab'.repeat(32);
const model: SubnetModel = subnetModel({ catalogId: 'tiny', sha256: SHA, sizeBytes: 123_456 });

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

/** Refused by applyTx with `code`; a block offering it has the root of an empty block. */
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

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

const subnet1 = testGenesisDoc().subnets![0]!;

test('genesis: a subnet without a model has none; with one, rules left out take the defaults', () => {
  assert.equal(testGenesis().subnets.get(netuidKey(1))!.model, null);
  const s = testGenesis({
    subnets: [{ ...subnet1, model: { sha256: SHA, sizeBytes: 99, maxTokens: 64, tauMilli: 250 } }],
  });
  assert.deepEqual(s.subnets.get(netuidKey(1))!.model, {
    ...DEFAULT_MODEL_RULES,
    catalogId: 'custom',
    sha256: SHA,
    sizeBytes: 99,
    maxTokens: 64,
    tauMilli: 250,
  });
  assert.deepEqual(DEFAULT_MODEL_RULES, {
    protocolVersion: 1,
    decoding: 'greedy',
    maxTokens: 64,
    contextSize: 512,
    tauMilli: 25,
    maxViolations: 0,
  });
});

test('genesis: a model without its hash or size, or with a rule out of range, is refused', () => {
  const bad = (m: Record<string, unknown>) =>
    code(() => genesisState(testGenesisDoc({ subnets: [{ ...subnet1, model: m as never }] })));
  assert.equal(bad({ sizeBytes: 10 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA.toUpperCase(), sizeBytes: 10 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: '00'.repeat(32), sizeBytes: 10 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA, sizeBytes: 0 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA, sizeBytes: 10, maxTokens: 1025 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA, sizeBytes: 10, contextSize: 63 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA, sizeBytes: 10, decoding: 'beam' }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA, sizeBytes: 10, unknown: 1 }), ChainErrorCode.BAD_GENESIS);
  assert.equal(bad({ sha256: SHA, sizeBytes: 10, catalogId: 'Big' }), ChainErrorCode.BAD_GENESIS);
});

test("the local network's subnet 1 names the smallest catalogue model with a sha256", async () => {
  const catalog = parseCatalog(JSON.parse(await readFile(DEFAULT_CATALOG_PATH, 'utf8')));
  const hashed = catalog.models.filter((m) => m.sha256 !== null);
  const smallest = hashed.reduce((a, b) => (b.sizeBytes < a.sizeBytes ? b : a));
  const template = await loadLocalTemplate();
  assert.equal(template.subnet.model?.catalogId, smallest.id);
  const doc = await localGenesis(alice.address, aliceHot.address, validatorKey.hex, 1_000);
  const m = genesisState(doc).state.subnets.get(netuidKey(1))!.model;
  assert.deepEqual(m, {
    ...DEFAULT_MODEL_RULES,
    catalogId: smallest.id,
    sha256: smallest.sha256,
    sizeBytes: smallest.sizeBytes,
  });
});

test('the state root and the snapshot cover the model', () => {
  const without = testGenesis();
  const withModel = testGenesis({
    subnets: [{ ...subnet1, model: { sha256: SHA, sizeBytes: 9 } }],
  });
  const otherTau = testGenesis({
    subnets: [{ ...subnet1, model: { sha256: SHA, sizeBytes: 9, tauMilli: 101 } }],
  });
  const roots = new Set([without, withModel, otherTau].map(stateRoot));
  assert.equal(roots.size, 3, 'a model, and each of its rules, changes the root');
  const again = decodeState(encodeState(otherTau));
  assert.equal(stateRoot(again), stateRoot(otherTau));
  assert.deepEqual(
    again.subnets.get(netuidKey(1))!.model,
    otherTau.subnets.get(netuidKey(1))!.model,
  );
});

const create = (m: SubnetModel | null, extra: Partial<TxCall> = {}): TxCall =>
  ({
    kind: 'create_subnet',
    hotkey: testKey('subnet-2-owner').hex,
    taskType: 'text-generation',
    maxLock: 1000n * TAO,
    model: m,
    ...extra,
  }) as TxCall;

test('create_subnet stores its model (or none); the model round-trips through the codec', () => {
  let s = testGenesis();
  s = step(s, [tx(s, alice, create(model))]);
  assert.deepEqual(s.subnets.get(netuidKey(2))!.model, model);
  s = step(s, [tx(s, alice, create(null, { hotkey: testKey('subnet-3-owner').hex }))]);
  assert.equal(s.subnets.get(netuidKey(3))!.model, null);
  const signed = tx(s, alice, create(model));
  assert.deepEqual(decodeSignedTx(encodeSignedTx(signed)), signed);
});

test('create_subnet with a bad model: the precise code, nothing changes', () => {
  const s = testGenesis();
  const cases: Array<[Partial<SubnetModel>, string]> = [
    [{ catalogId: '' }, ChainErrorCode.MODEL_BAD_ID],
    [{ catalogId: 'Has Space' }, ChainErrorCode.MODEL_BAD_ID],
    [{ catalogId: 'x'.repeat(65) }, ChainErrorCode.MODEL_BAD_ID],
    [{ sha256: '00'.repeat(32) }, ChainErrorCode.MODEL_BAD_HASH],
    [{ sizeBytes: 0 }, ChainErrorCode.MODEL_BAD_SIZE],
    [{ protocolVersion: 0 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ protocolVersion: 2 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ maxTokens: 0 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ maxTokens: 1025 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ contextSize: 63 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ contextSize: 32_769 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ tauMilli: 10_001 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ maxViolations: 65 }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
    [{ decoding: 'sampled' as 'greedy' }, ChainErrorCode.MODEL_RULE_OUT_OF_RANGE],
  ];
  for (const [change, expected] of cases) {
    refused(s, tx(s, alice, create({ ...model, ...change })), expected);
  }
  // The edges are accepted.
  for (const edge of [
    { maxTokens: 1, contextSize: 64, tauMilli: 0, maxViolations: 0 },
    { maxTokens: 1024, contextSize: 32_768, tauMilli: 10_000, maxViolations: 64 },
  ]) {
    assert.ok(applyTx(s, tx(s, alice, create({ ...model, ...edge }))).ok);
  }
});

function govGenesis(): ChainState {
  const doc = testGenesisDoc();
  return testGenesis({
    params: {
      ...doc.params,
      votingPeriod: 10,
      enactmentDelay: 2,
      proposalDeposit: '10',
      subnetDefaults: { ...doc.params?.subnetDefaults, tempo: 1000 },
    },
  });
}

const proposeModel = (netuid: number, m: SubnetModel): TxCall => ({
  kind: 'propose',
  deposit: 10n * TAO,
  title: 'Run the tiny model',
  description: '',
  action: { kind: 'subnet_model', netuid, model: m },
});

test('governance: a subnet_model proposal passes and replaces the model at its enactHeight', () => {
  let s = govGenesis();
  assert.equal(s.subnets.get(netuidKey(1))!.model, null);
  s = step(s, [tx(s, alice, proposeModel(1, model))]);
  s = step(s, [tx(s, alice, { kind: 'vote', proposal: 0, choice: 'yes', conviction: 1 })]);
  s = until(s, 11);
  const passed = s.proposals.get(proposalKey(0))!;
  assert.equal(passed.status, 'passed');
  assert.equal(passed.enactHeight, 13);
  s = until(s, 12);
  assert.equal(s.subnets.get(netuidKey(1))!.model, null, 'not before its enactHeight');
  s = step(s);
  assert.deepEqual(s.subnets.get(netuidKey(1))!.model, model);
  assert.equal(s.proposals.get(proposalKey(0))!.status, 'enacted');
  const view = new GovernanceQueries(
    () => s,
    () => 1000,
  ).show(0);
  assert.equal(view.kind, 'subnet_model');
  assert.deepEqual(view.subnetModel, { netuid: 1, model });
  assert.equal(view.param, null);
  const again = decodeState(encodeState(s));
  assert.deepEqual(again.proposals.get(proposalKey(0))!.action, passed.action);
  assert.equal(stateRoot(again), stateRoot(s));
});

test('governance: a subnet_model proposal for no subnet or a bad model is refused', () => {
  const s = govGenesis();
  refused(s, tx(s, alice, proposeModel(9, model)), ChainErrorCode.UNKNOWN_SUBNET);
  refused(
    s,
    tx(s, alice, proposeModel(1, { ...model, sha256: '00'.repeat(32) })),
    ChainErrorCode.MODEL_BAD_HASH,
  );
  refused(
    s,
    tx(s, alice, proposeModel(1, { ...model, maxViolations: 100 })),
    ChainErrorCode.MODEL_RULE_OUT_OF_RANGE,
  );
  const signed = tx(s, alice, proposeModel(1, model));
  assert.deepEqual(decodeSignedTx(encodeSignedTx(signed)), signed);
});

test('the confirmation reads a model, its absence, and a subnet_model proposal in plain words', () => {
  const base = { chainId: CHAIN_ID, signer: alice.hex, nonce: 0, fee: 100_000n };
  const lines = (call: TxCall) =>
    Object.fromEntries(
      describeTx('main', { ...base, ...call } as TxBody).lines.map((l) => [l.label, l.value]),
    );
  const withModel = lines(create(model));
  assert.equal(withModel.Model, 'tiny (0.1 MB, 123456 bytes)');
  assert.equal(withModel['Model sha256'], SHA);
  assert.match(withModel.Answers!, /greedy, at most 64 tokens in a 512-token context/);
  assert.match(withModel.Verification!, /within 0\.025 nats of the model's top token; 0 miss/);
  assert.match(lines(create(null)).Model!, /none: miners on this subnet cannot be verified/);
  assert.match(lines(proposeModel(1, model)).Proposal!, /subnet 1 runs model tiny \(sha256 abab/);
});
