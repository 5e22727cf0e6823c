/**
 * `node test/e2e/slashed-chain.ts DIR`: readies a node folder whose chain already holds a slash,
 * for the Explorer's browser test. Two validators at genesis: A, whose consensus key is this
 * folder's (`chain/validator-key.json`), and B. Blocks 1–3 are built and committed here through
 * the chain's own code (buildBlock, ChainStore: block log, state, index), each signed by both;
 * block 2 carries evidence that B signed two different prevotes at height 1, so B is slashed
 * and removed, and A goes on alone once the node starts (B is out of the set from height 4, so
 * block 4's commit needs A only). Prints `{ height, validator, hotkey, amount }` as JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Commit, Evidence } from '../../electron/node/chain/block.ts';
import { voteSignBytes } from '../../electron/node/chain/codec.ts';
import {
  hash256,
  publicKeyOf,
  randomSecretKey,
  signMessage,
  toHex,
  type Hex,
} from '../../electron/node/chain/crypto.ts';
import { genesisState, type GenesisDoc } from '../../electron/node/chain/genesis.ts';
import { loadOrCreateValidatorKey } from '../../electron/node/chain/local-network.ts';
import { addressOf } from '../../electron/node/chain/queries.ts';
import { buildBlock } from '../../electron/node/chain/state.ts';
import { ChainStore } from '../../electron/node/chain/store/chain-store.ts';
import { signVote } from '../../electron/node/consensus/messages.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: node test/e2e/slashed-chain.ts DIR');
const chainDir = path.join(dir, 'chain');
await mkdir(chainDir, { recursive: true, mode: 0o700 });
const a = (await loadOrCreateValidatorKey(path.join(chainDir, 'validator-key.json'), true))!;
const bSecret = randomSecretKey();
const b = { secret: bSecret, publicKey: toHex(publicKeyOf(bSecret)) };
const randomAddress = () => addressOf(toHex(publicKeyOf(randomSecretKey())));
const bHotkey = randomAddress();
const start = Date.now() - 60_000;

const doc: GenesisDoc = {
  chainId: 'noesis-e2e-slash',
  genesisTime: start,
  params: { blockIntervalMs: 1000, slashFraction: 500 },
  accounts: [],
  validators: [
    { consensusKey: a.publicKey, hotkey: randomAddress(), coldkey: randomAddress(), stake: '100' },
    { consensusKey: b.publicKey, hotkey: bHotkey, coldkey: randomAddress(), stake: '80' },
  ],
};
await writeFile(path.join(chainDir, 'genesis.json'), JSON.stringify(doc, null, 2) + '\n');
await writeFile(path.join(dir, 'config.json'), JSON.stringify({ p2p: { enabled: false } }));

const store = await ChainStore.open({ dir: chainDir, genesis: genesisState(doc) });
const signers = [a, b].sort((x, y) => (x.publicKey < y.publicKey ? -1 : 1));
const commitOf = (height: number, blockHash: Hex): Commit => ({
  height,
  round: 0,
  blockHash,
  signatures: signers.map((s) => ({
    validator: s.publicKey,
    signature: toHex(signMessage(s.secret, voteSignBytes(doc.chainId, height, 0, blockHash))),
  })),
});
const id = (label: string) => toHex(hash256(new TextEncoder().encode(label)));
const [x, y] = [id('one'), id('two')].sort() as [Hex, Hex];
const prevote = (blockHash: Hex) =>
  signVote(doc.chainId, { type: 'prevote', height: 1, round: 0, blockHash }, b.secret, b.publicKey);
const evidence: Evidence = { kind: 'duplicate-vote', a: prevote(x), b: prevote(y) };

let slashed = 0n;
for (let h = 1; h <= 3; h++) {
  const s = store.state;
  const built = buildBlock(s, {
    time: start + h * 1000,
    proposer: a.publicKey,
    lastCommit: store.tipCommit,
    txs: [],
    evidence: h === 2 ? [evidence] : [],
  });
  if (h === 2 && built.block.evidence.length !== 1) throw new Error('the evidence did not apply');
  for (const e of built.events) if (e.type === 'slash') slashed = e.amount;
  await store.commitBlock(built.block, commitOf(h, built.hash), built.state, built.events);
}
await store.close();
process.stdout.write(
  JSON.stringify({ height: 2, validator: b.publicKey, hotkey: bHotkey, amount: String(slashed) }) +
    '\n',
);
