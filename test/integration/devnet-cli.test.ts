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
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOESIS_BIN, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { writeTinyLlama } from '../fixtures/gguf/index.ts';

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

test(
  'noesis devnet --miners 2 --model FILE: the miners register, serve and earn on subnet 1',
  { timeout: 240_000 },
  async (t) => {
    const dir = await tempDir('noesis-devnet-poi-');
    const root = path.join(dir, 'net');
    const model = path.join(dir, 'tiny.gguf');
    await writeTinyLlama(model, { seed: 1 });
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      [NOESIS_BIN, 'devnet', '--nodes', '3', '--validators', '1', '--miners', '2'].concat([
        '--model',
        model,
        '--tempo',
        '10',
        '--data-dir',
        root,
      ]),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NOESIS_PASSWORD: 'devnet test password' },
      },
    );
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no web ui lines:\n${output}`)), 60_000);
      const check = () => {
        if ([...output.matchAll(/^node\d web ui: /gm)].length === 3) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`devnet exited ${code}:\n${output}`)));
    });
    assert.match(output, /devnet: 3 nodes, 1 validators, 2 miners/);
    assert.match(output, /wallet "devnet" opens with the password in NOESIS_PASSWORD/);

    type Neuron = {
      uid: number;
      hotkey: string;
      incentive: number;
      dividends: number;
      emission: string;
    };
    let neurons: Neuron[];
    for (;;) {
      const m = await chainJson(['metagraph', '1', '--data-dir', path.join(root, 'node0')]);
      neurons = m.neurons as Neuron[];
      const miners = neurons.filter((n) => n.uid > 0);
      const proved = (
        neurons.find((n) => n.uid === 0) as unknown as { proof: { entries: number } | null }
      )?.proof;
      if (
        miners.length === 2 &&
        miners.every((n) => n.incentive > 0) &&
        (proved?.entries ?? 0) > 0
      ) {
        break;
      }
      assert.ok(
        Date.now() - t0 < 200_000,
        `miners never earned:\n${JSON.stringify(neurons)}\n${output}`,
      );
      await sleep(1000);
    }
    t.diagnostic(`both miners earn after ${Date.now() - t0} ms`);
    for (const n of neurons) {
      assert.match(n.hotkey, /^5/);
      for (const key of ['incentive', 'dividends', 'emission'] as const) assert.ok(key in n);
    }
    // `noesis proof TASK_ID --json`: one task of the validator's log against its committed root.
    const node0 = path.join(root, 'node0');
    const committed = (neurons.find((n) => n.uid === 0) as unknown as { proof: { epoch: number } })
      .proof;
    const log = await readFile(
      path.join(node0, 'roles', 'interactions', `epoch-1-${committed.epoch}.jsonl`),
      'utf8',
    );
    const taskId = (JSON.parse(log.trim().split('\n')[0]!) as { taskId: string }).taskId;
    const r = await runCli(['proof', taskId, '--data-dir', node0, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const proof = JSON.parse(r.stdout) as { valid: boolean; epoch: number; committed: unknown };
    assert.equal(proof.valid, true);
    assert.equal(proof.epoch, committed.epoch);
    const unknown = await runCli(['proof', 'ab'.repeat(32), '--data-dir', node0, '--json']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /not in this validator's log/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  },
);
