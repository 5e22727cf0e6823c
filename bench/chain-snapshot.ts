/**
 * Chain benchmark: snapshot time and size at 100,000 accounts. Builds a state with N funded
 * accounts (and their rows in the sql.js index), then times what a snapshot does: encode the
 * state, db.export() with it inside, and the atomic write (temp file, fsync, rename, dir fsync);
 * then opening it again (read, decode, first state root). Prints one table.
 *
 *   node bench/chain-snapshot.ts [--accounts 100000]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../electron/node/storage/atomic-file.ts';
import { decodeState, encodeState } from '../electron/node/chain/state-codec.ts';
import { stateRoot } from '../electron/node/chain/state-root.ts';
import { StateDb } from '../electron/node/chain/store/state-db.ts';
import type { Account, ChainState } from '../electron/node/chain/types.ts';
import { testGenesis } from '../test/unit/chain/fixtures.ts';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '100000' } } });
const N = Number(values.accounts);

const base = testGenesis();
const draft = base.accounts.draft();
for (let i = 0; i < N; i++) {
  draft.set(randomBytes(32).toString('hex'), {
    free: BigInt(1 + Math.floor(Math.random() * 1e12)),
    nonce: i % 7,
  } satisfies Account);
}
const state: ChainState = { ...base, accounts: draft.finish() };
const r0 = performance.now();
const root = stateRoot(state);
const rootMs = performance.now() - r0;
const db = await StateDb.open(null);
db.writeFullState(state);

const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-snapshot-bench-'));
const file = path.join(dir, 'state.sqlite');
try {
  const e0 = performance.now();
  const stateBytes = encodeState(state);
  const e1 = performance.now();
  const bytes = db.exportSnapshot(stateBytes);
  const e2 = performance.now();
  await writeFileAtomic(file, bytes);
  const e3 = performance.now();
  const size = (await stat(file)).size;

  const l0 = performance.now();
  const loaded = await StateDb.open(new Uint8Array(await readFile(file)));
  const blob = loaded.getMeta('state') as Uint8Array;
  const l1 = performance.now();
  const restored = decodeState(blob);
  const l2 = performance.now();
  const again = stateRoot(restored);
  const l3 = performance.now();
  if (again !== root) throw new Error('restored state has another root');
  const rss = process.memoryUsage().rss;

  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const ms = (a: number, b: number) => `${(b - a).toFixed(0)} ms`;
  console.log(
    `chain snapshot: ${N.toLocaleString('en-US')} accounts, node ${process.version}, RSS at the end ${mb(rss)}`,
  );
  console.log('| step | time | size |');
  console.log('|---|---:|---:|');
  console.log(`| encode state (CBOR) | ${ms(e0, e1)} | ${mb(stateBytes.length)} |`);
  console.log(`| db.export() with the state inside | ${ms(e1, e2)} | ${mb(bytes.length)} |`);
  console.log(
    `| atomic write (tmp, fsync, rename, dir fsync) | ${ms(e2, e3)} | ${mb(size)} on disk |`,
  );
  console.log(`| snapshot total (blocks the node) | ${ms(e0, e3)} | |`);
  console.log(`| open: read file + sql.js load | ${ms(l0, l1)} | |`);
  console.log(`| open: decode state | ${ms(l1, l2)} | |`);
  console.log(`| open: first state root (cold caches) | ${ms(l2, l3)} | |`);
  console.log(`| state root, cold, at build time | ${rootMs.toFixed(0)} ms | |`);
  loaded.close();
} finally {
  db.close();
  await rm(dir, { recursive: true, force: true });
}
