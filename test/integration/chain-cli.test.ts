/**
 * End to end through the real command: a wallet, `noesis start` creating the local network from
 * it, then `noesis chain status|balance|transfer|block|tx|metagraph` against the running node,
 * and the read-only commands again on the stopped node's folder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, startNodeProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const env = { NOESIS_PASSWORD: 'chain cli test password' };
const RECIPIENT = '5EPvovvPTPafxP6XfiwGBeqqs3ZJ6fgFMLEX791wed28Kp81';

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--json'], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `noesis ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('noesis chain against a running node and a stopped one', { timeout: 120_000 }, async () => {
  const dir = await tempDir('noesis-chain-cli-');
  const wallet = await json(['wallet', 'create', '--name', 'main', '--data-dir', dir]);
  const coldkey = wallet.coldkey as string;
  const hotkey = (wallet.hotkeys as string[])[0] as string;
  const node = await startNodeProcess(['--headless', '--port', '0', '--data-dir', dir], { env });
  try {
    let status = await json(['chain', 'status', '--data-dir', dir]);
    for (let i = 0; i < 50 && (status.state !== 'running' || (status.height as number) < 1); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await json(['chain', 'status', '--data-dir', dir]);
    }
    assert.equal(status.state, 'running');
    assert.equal(status.network, 'local');
    assert.match(status.stateRoot as string, /^[0-9a-f]{64}$/);
    assert.ok((status.height as number) >= 1);

    const balance = await json(['chain', 'balance', coldkey, '--data-dir', dir]);
    assert.equal(balance.free, '1000000000000');
    assert.equal(balance.staked, '100000000000');

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
      dir,
    ]);
    assert.equal(sent.status, 'included');
    const received = await json(['chain', 'balance', RECIPIENT, '--data-dir', dir]);
    assert.equal(received.free, '1500000000');
    assert.equal(received.staked, '0');

    const staked = await json([
      'chain',
      'stake',
      '--from',
      'main',
      '--hotkey',
      hotkey,
      '--amount',
      '2',
      '--data-dir',
      dir,
    ]);
    assert.equal(staked.status, 'included');
    const after = await json(['chain', 'balance', coldkey, '--data-dir', dir]);
    assert.equal(after.staked, '102000000000');

    const tx = await json(['chain', 'tx', sent.hash as string, '--data-dir', dir]);
    assert.equal(tx.kind, 'transfer');
    assert.equal(tx.height, sent.height);
    const block = await json(['chain', 'block', String(sent.height), '--data-dir', dir]);
    assert.match(block.hash as string, /^[0-9a-f]{64}$/);
    assert.ok((block.txs as Array<{ hash: string }>).some((t) => t.hash === sent.hash));
    const byHash = await json(['chain', 'block', block.hash as string, '--data-dir', dir]);
    assert.equal(byHash.height, sent.height);
    const meta = await json(['chain', 'metagraph', '1', '--data-dir', dir]);
    assert.equal((meta.neurons as unknown[]).length, 1);

    const bad = await runCli(['chain', 'balance', 'not-an-address', '--data-dir', dir], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not an SS58 address/);
  } finally {
    assert.equal(await node.stop('SIGTERM'), 0);
  }
  // Stopped: the CLI opens the folder itself, read-only.
  const offline = await json(['chain', 'status', '--data-dir', dir]);
  assert.equal(offline.state, 'stopped');
  assert.match(offline.stateRoot as string, /^[0-9a-f]{64}$/);
  const received = await json(['chain', 'balance', RECIPIENT, '--data-dir', dir]);
  assert.equal(received.free, '1500000000');
  const refused = await runCli(
    ['chain', 'transfer', '--from', 'main', '--to', RECIPIENT, '--amount', '1', '--data-dir', dir],
    { env },
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /no node runs/);
});
