/**
 * `noesis devnet --nodes 4 --validators 4` as a child process: it prints one web ui line per
 * node; every node finalizes blocks (`noesis chain status --data-dir DIR/node<i> --json`, through
 * each node's api.json); `noesis chain block 2 --json` has one hash on all four; SIGTERM stops
 * every node (no api.json left, the web and p2p ports free again).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOESIS_BIN, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A base port P whose web (P..P+3) and p2p (P+100..P+103) ports are all free now. */
async function freeBase(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = [0, 1, 2, 3, 100, 101, 102, 103].map((d) => base + d);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free base port');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function chainJson(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(['chain', ...args, '--json']);
  assert.equal(r.code, 0, `noesis chain ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test(
  'noesis devnet runs four validators that finalize one chain',
  { timeout: 60_000 },
  async (t) => {
    const root = path.join(await tempDir('noesis-devnet-'), 'net');
    const base = await freeBase();
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      [NOESIS_BIN, 'devnet', '--nodes', '4', '--validators', '4'].concat([
        '--data-dir',
        root,
        '--base-port',
        String(base),
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));

    const lines = await new Promise<RegExpExecArray[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no web ui lines:\n${output}`)), 30_000);
      const check = () => {
        const found = [
          ...output.matchAll(/^node(\d) web ui: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)$/gm),
        ];
        if (found.length === 4) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`devnet exited ${code}:\n${output}`)));
    });
    assert.deepEqual(
      lines.map((m) => [m[1], Number(m[3])]),
      [0, 1, 2, 3].map((i) => [String(i), base + i]),
    );
    t.diagnostic(`four nodes listening after ${Date.now() - t0} ms`);

    const dirs = [0, 1, 2, 3].map((i) => path.join(root, `node${i}`));
    for (const dir of dirs) {
      for (;;) {
        const status = await chainJson(['status', '--data-dir', dir]);
        if ((status.height as number) >= 3) break;
        assert.ok(Date.now() - t0 < 40_000, `${dir} stuck at height ${status.height}`);
        await sleep(250);
      }
    }
    t.diagnostic(`all four at height 3 after ${Date.now() - t0} ms`);
    const hashes = await Promise.all(
      dirs.map(async (dir) => (await chainJson(['block', '2', '--data-dir', dir])).hash),
    );
    assert.match(String(hashes[0]), /^[0-9a-f]{64}$/);
    assert.deepEqual(hashes, [hashes[0], hashes[0], hashes[0], hashes[0]]);

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const dir of dirs) assert.ok(!existsSync(path.join(dir, 'api.json')), `${dir}/api.json`);
    const ports = [0, 1, 2, 3, 100, 101, 102, 103].map((d) => base + d);
    assert.deepEqual(
      await Promise.all(ports.map(isFree)),
      ports.map(() => true),
    );
    t.diagnostic(`stopped; total ${Date.now() - t0} ms`);
  },
);
