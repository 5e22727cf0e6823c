/**
 * `noesis earnings --json` end to end: a wallet, its local network with a short tempo, the node
 * running a few epochs, then the command against the running node and again on the stopped
 * node's folder (read-only), which must agree on what was paid by then.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, startNodeProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { writeShortEpochChain } from '../helpers/short-epoch-chain.ts';

const env = { NOESIS_PASSWORD: 'earnings cli test password' };

interface Out {
  summary: {
    wallet: string;
    block: number;
    coldkey: { total: string; ownerCut: { paid: string }; validating: { paid: string } };
    hotkeys: Array<{ address: string; dividends: { paid: string; zeroReason: string | null } }>;
  } | null;
  series: Array<{ role: string; total: string; points: Array<{ block: number; earned: string }> }>;
}

async function json(args: string[]): Promise<Out> {
  const r = await runCli([...args, '--json'], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `noesis ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Out;
}

test(
  'noesis earnings --json on a running node and on its stopped folder',
  { timeout: 90_000 },
  async () => {
    const dir = await tempDir('noesis-earnings-cli-');
    const created = await runCli(
      ['wallet', 'create', '--name', 'main', '--data-dir', dir, '--json'],
      {
        env,
      },
    );
    assert.equal(created.code, 0, created.stderr);
    const wallet = JSON.parse(created.stdout) as { coldkey: string; hotkeys: string[] };
    const hotkey = wallet.hotkeys[0] as string;
    await writeShortEpochChain(dir, wallet.coldkey, hotkey);
    const node = await startNodeProcess(['--headless', '--port', '0', '--data-dir', dir], { env });
    let live: Out;
    try {
      for (;;) {
        live = await json(['earnings', '--data-dir', dir]);
        if ((live.series[0]?.points.length ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      assert.equal(await node.stop('SIGTERM'), 0);
    }
    const s = live.summary!;
    assert.equal(s.wallet, 'main');
    assert.ok(BigInt(s.coldkey.ownerCut.paid) > 0n, 'the subnet owner got its cut');
    assert.ok(BigInt(s.coldkey.validating.paid) > 0n, 'the only validator got dividends');
    assert.equal(s.hotkeys[0]!.address, hotkey);
    assert.equal(s.hotkeys[0]!.dividends.zeroReason, null);
    assert.deepEqual(
      live.series.map((x) => x.role),
      ['coldkey', 'hotkey'],
    );
    const cold = live.series[0]!;
    assert.equal(cold.points.reduce((t, p) => t + BigInt(p.earned), 0n).toString(), cold.total);

    // Stopped: read-only from the folder; everything paid up to the live answer is still there.
    const offline = await json([
      'earnings',
      '--wallet',
      'main',
      '--role',
      'coldkey',
      '--data-dir',
      dir,
    ]);
    assert.equal(offline.series.length, 1);
    assert.ok(BigInt(offline.series[0]!.total) >= BigInt(cold.total));
    const byAddress = await json([
      'earnings',
      '--address',
      hotkey,
      '--role',
      'hotkey',
      '--range',
      '24h',
      '--data-dir',
      dir,
    ]);
    assert.equal(byAddress.summary, null);
    assert.ok(byAddress.series[0]!.points.length >= 2);
    const bad = await runCli(['earnings', '--range', '1y', '--data-dir', dir], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--range must be/);
  },
);
