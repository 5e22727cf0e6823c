/**
 * The whole life of a parameter change on the embedded network, through the real command: a
 * wallet, a local network (the node's own template: voting period 30 blocks, enactment 5, with
 * 250 ms blocks so it takes seconds), `noesis gov propose` of tempo 50 on subnet 1, a yes vote
 * from the only staker, `noesis gov show` reaching `enacted`, and the next epoch running 50
 * blocks after the previous one. Then the read-only commands on the stopped node's folder.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadOrCreateValidatorKey, localGenesis } from '../../electron/node/chain/local-network.ts';
import { runCli, startNodeProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const env = { NOESIS_PASSWORD: 'gov cli test password' };

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--json'], { env, timeoutMs: 90_000 });
  assert.equal(r.code, 0, `noesis ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function localChain(dataDir: string, coldkey: string, hotkey: string): Promise<void> {
  const dir = path.join(dataDir, 'chain');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreateValidatorKey(path.join(dir, 'validator-key.json'), true);
  const doc = await localGenesis(coldkey, hotkey, key!.publicKey, Date.now());
  (doc.params as Record<string, unknown>).blockIntervalMs = 250;
  await writeFile(path.join(dir, 'genesis.json'), JSON.stringify(doc, null, 2) + '\n');
}

interface Proposal {
  id: number;
  kind: string;
  status: string;
  endHeight: number;
  enactHeight: number | null;
  enactedAt: number | null;
  tally: { yes: string; no: string; abstain: string };
  param: { name: string; value: string; oldValue: string | null } | null;
}

test(
  'noesis gov: propose tempo 50, vote yes, enacted, next epoch under tempo 50',
  { timeout: 180_000 },
  async () => {
    const dir = await tempDir('noesis-gov-cli-');
    const wallet = await json(['wallet', 'create', '--name', 'main', '--data-dir', dir]);
    const coldkey = wallet.coldkey as string;
    await localChain(dir, coldkey, (wallet.hotkeys as string[])[0] as string);
    const node = await startNodeProcess(['--headless', '--port', '0', '--data-dir', dir], { env });
    let id: number;
    try {
      const params = await json<{
        votingPeriod: number;
        enactmentDelay: number;
        params: Array<{ name: string }>;
      }>(['gov', 'params', '--data-dir', dir]);
      assert.equal(params.votingPeriod, 30);
      assert.equal(params.enactmentDelay, 5);
      assert.ok(params.params.some((p) => p.name === 'tempo'));

      const refused = await runCli(
        [
          'gov',
          'propose',
          '--from',
          'main',
          '--param',
          'tempo',
          '--netuid',
          '1',
          '--value',
          '1',
          '--title',
          'Too fast',
          '--data-dir',
          dir,
        ],
        { env, timeoutMs: 60_000 },
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /bounds/);

      const proposed = await json<{ id: number; tx: { status: string } }>([
        'gov',
        'propose',
        '--from',
        'main',
        '--param',
        'tempo',
        '--netuid',
        '1',
        '--value',
        '50',
        '--title',
        'Faster epochs',
        '--data-dir',
        dir,
      ]);
      assert.equal(proposed.tx.status, 'included');
      assert.equal(typeof proposed.id, 'number');
      id = proposed.id;

      const voted = await json<{ power: string; lockUntil: number; tx: { status: string } }>([
        'gov',
        'vote',
        '--from',
        'main',
        '--proposal',
        String(id),
        '--choice',
        'yes',
        '--data-dir',
        dir,
      ]);
      assert.equal(voted.tx.status, 'included');

      const list = await json<Proposal[]>(['gov', 'list', '--data-dir', dir]);
      const mine = list.find((p) => p.id === id);
      assert.ok(mine);
      assert.equal(mine.kind, 'param');
      assert.equal(mine.status, 'active');
      assert.match(mine.tally.yes, /^[1-9]\d*$/);
      assert.equal(mine.tally.no, '0');
      assert.equal(mine.tally.abstain, '0');

      let shown = await json<Proposal>(['gov', 'show', String(id), '--data-dir', dir]);
      for (let i = 0; i < 150 && shown.status !== 'enacted'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        shown = await json<Proposal>(['gov', 'show', String(id), '--data-dir', dir]);
      }
      assert.equal(shown.status, 'enacted');
      assert.equal(shown.enactHeight, shown.endHeight + 5);
      assert.equal(shown.param?.oldValue, '30');
      assert.equal(shown.param?.value, '50');

      // The next epoch: 50 blocks after the last one under tempo 30.
      let meta = await json<{ tempo: number; lastEpochBlock: number }>([
        'chain',
        'metagraph',
        '1',
        '--data-dir',
        dir,
      ]);
      assert.equal(meta.tempo, 50);
      const last = meta.lastEpochBlock;
      for (let i = 0; i < 200 && meta.lastEpochBlock === last; i++) {
        await new Promise((r) => setTimeout(r, 250));
        meta = await json(['chain', 'metagraph', '1', '--data-dir', dir]);
      }
      assert.equal(meta.lastEpochBlock - last, 50);
    } finally {
      assert.equal(await node.stop('SIGTERM'), 0);
    }
    // Stopped: the CLI reads the folder itself.
    const offline = await json<Proposal>(['gov', 'show', String(id), '--data-dir', dir]);
    assert.equal(offline.status, 'enacted');
    const history = await json<Proposal[]>(['gov', 'history', '--data-dir', dir]);
    assert.equal(history[0]?.param?.oldValue, '30');
    const refused = await runCli(
      [
        'gov',
        'vote',
        '--from',
        'main',
        '--proposal',
        String(id),
        '--choice',
        'no',
        '--data-dir',
        dir,
      ],
      { env },
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no node runs/);
  },
);
