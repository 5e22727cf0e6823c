/**
 * Joining a network end to end through the real `noesis` command, two processes on 127.0.0.1:
 * node A runs a local network (short blocks); its genesis is exported; node B starts with
 * `--genesis` and `--bootstrap <A>` in another data folder, syncs to A's height with the same
 * state root; a transfer submitted on B is included by A and seen on both; B stopped while A
 * goes on catches up when restarted (without the flags: the folder remembers); a folder of
 * another network refuses A's genesis with one clear line.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, startNodeProcess, type RunningNode } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { writeShortEpochChain } from '../helpers/short-epoch-chain.ts';

const env = { NOESIS_PASSWORD: 'network join test password' };
const RECIPIENT = '5EPvovvPTPafxP6XfiwGBeqqs3ZJ6fgFMLEX791wed28Kp81';

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--json'], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `noesis ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Loopback only, no multicast: nothing leaves this machine. */
async function loopbackConfig(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const config = { p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, upnp: false } };
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config) + '\n');
}

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const status = (dir: string) => json(['chain', 'status', '--data-dir', dir]);
const network = (dir: string) => json(['network', 'status', '--data-dir', dir]);

test(
  'a node joins a network, syncs, relays a transfer and catches up',
  { timeout: 180_000 },
  async (t) => {
    const root = await tempDir('noesis-join-');
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    const wallet = await json(['wallet', 'create', '--name', 'main', '--data-dir', a]);
    await writeShortEpochChain(a, wallet.coldkey as string, (wallet.hotkeys as string[])[0]!, {
      blockIntervalMs: 200,
    });
    await loopbackConfig(a);
    await loopbackConfig(b);
    const nodes: RunningNode[] = [];
    t.after(async () => {
      for (const n of nodes) await n.stop().catch(() => undefined);
    });
    const start = async (args: string[]) => {
      const node = await startNodeProcess(['--headless', '--port', '0', ...args], { env });
      nodes.push(node);
      return node;
    };

    const nodeA = await start(['--data-dir', a]);
    const addrA = await until('A listening', async () => {
      const s = await network(a).catch(() => null);
      const first = (s?.addresses as string[] | undefined)?.[0];
      return s?.state === 'running' && first !== undefined ? first : null;
    });
    assert.match(addrA, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/);
    await until('A at height 5', async () => ((await status(a)).height as number) >= 5 || null);

    const genesisFile = path.join(root, 'genesis.json');
    const exported = await runCli(['chain', 'genesis', '--data-dir', a, '--out', genesisFile]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(
      JSON.parse(await readFile(genesisFile, 'utf8')),
      JSON.parse(await readFile(path.join(a, 'chain', 'genesis.json'), 'utf8')),
    );

    // B joins: syncs to A's height with the same state root.
    const started = Date.now();
    const nodeB = await start(['--data-dir', b, '--genesis', genesisFile, '--bootstrap', addrA]);
    await until('B synced with A', async () => {
      const sa = await status(a);
      const sb = await status(b);
      if ((sb.height as number) < 5) return null;
      // Compare at one height: A may move on between the two calls.
      const blockA = await json(['chain', 'block', String(sb.height), '--data-dir', a]);
      const blockB = await json(['chain', 'block', String(sb.height), '--data-dir', b]);
      assert.equal(blockB.hash, blockA.hash);
      return (sa.height as number) - (sb.height as number) <= 2 ? true : null;
    });
    t.diagnostic(`B synced in ${Date.now() - started} ms`);
    const sb = await status(b);
    assert.equal(sb.chainId, (await status(a)).chainId);
    assert.equal(sb.producing, false);
    const rowA = await json(['chain', 'block', String(sb.height), '--data-dir', a]);
    const rowB = await json(['chain', 'block', String(sb.height), '--data-dir', b]);
    assert.match(rowA.stateRoot as string, /^[0-9a-f]{64}$/);
    assert.equal(rowB.stateRoot, rowA.stateRoot);
    const netB = await network(b);
    assert.equal(netB.peerCount, 1);
    assert.equal((netB.sync as { synced: boolean }).synced, true);
    assert.equal((netB.validators as unknown[]).length, 1);

    // A transfer submitted on B (B holds a copy of the wallet) is included by A, seen by both.
    await cp(path.join(a, 'wallets'), path.join(b, 'wallets'), { recursive: true });
    const sent = await json([
      'chain',
      'transfer',
      '--from',
      'main',
      '--to',
      RECIPIENT,
      '--amount',
      '1.5',
      '--data-dir',
      b,
    ]);
    assert.equal(sent.status, 'included');
    for (const dir of [a, b]) {
      const got = await until(`transfer seen on ${path.basename(dir)}`, async () => {
        const bal = await json(['chain', 'balance', RECIPIENT, '--data-dir', dir]);
        return bal.free === '1500000000' ? bal : null;
      });
      assert.equal(got.free, '1500000000');
    }

    // B stops; A goes on; B restarted without the flags catches up.
    await nodeB.stop();
    nodes.splice(nodes.indexOf(nodeB), 1);
    const stoppedAt = (await status(b)).height as number;
    await until(
      'A 10 blocks further',
      async () => ((await status(a)).height as number) >= stoppedAt + 10 || null,
    );
    await start(['--data-dir', b]);
    await until('B caught up', async () => {
      const ha = (await status(a)).height as number;
      const hb = (await status(b)).height as number;
      return hb >= stoppedAt + 10 && ha - hb <= 2 ? true : null;
    });
    void nodeA;

    // A folder of another network refuses this genesis with one line.
    const other = path.join(root, 'other');
    const w2 = await json(['wallet', 'create', '--name', 'x', '--data-dir', other]);
    await writeShortEpochChain(other, w2.coldkey as string, (w2.hotkeys as string[])[0]!);
    const refused = await runCli(
      ['start', '--headless', '--port', '0', '--data-dir', other, '--genesis', genesisFile],
      { env, timeoutMs: 30_000 },
    );
    assert.equal(refused.code, 1);
    const lines = refused.stderr.trim().split('\n');
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(
      lines[0]!,
      /^noesis: .* belongs to network noesis-local-[0-9a-f]+ .*use another --data-dir$/,
    );
  },
);
