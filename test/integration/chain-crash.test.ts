/**
 * Crash safety: a node producing blocks (with transactions) is SIGKILLed at random moments 30
 * times and restarted. Every block it ever reported final must still be in the log with the same
 * hash, the node must reopen at or above the highest final height, and its state root must equal
 * a fresh replay of the log from genesis (no snapshot).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { genesisState } from '../../electron/node/chain/genesis.ts';
import { stateRoot } from '../../electron/node/chain/state-root.ts';
import { ChainStore } from '../../electron/node/chain/store/chain-store.ts';
import { testGenesisDoc, validatorKey } from '../unit/chain/fixtures.ts';

const NODE = process.execPath;
const CHILD = new URL('./chain-crash-child.ts', import.meta.url).pathname;
const KILLS = 30;

interface RunResult {
  opened: number;
  finals: Array<[number, string]>;
}

function runOnce(dataDir: string, killAfterMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CHILD, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let opened = -1;
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (opened < 0) {
        const m = /^opened (\d+)/m.exec(out);
        if (m) {
          opened = Number(m[1]);
          timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child exited ${code} ${signal}: ${err.slice(-2000)}`));
        return;
      }
      if (opened < 0) {
        reject(new Error(`child killed before opening: ${err.slice(-2000)}`));
        return;
      }
      const finals: Array<[number, string]> = [];
      // Only complete lines count: a line cut by the kill was never fully reported.
      for (const line of out.split('\n').slice(0, -1)) {
        const m = /^final (\d+) ([0-9a-f]{64})$/.exec(line);
        if (m) finals.push([Number(m[1]), m[2] as string]);
      }
      resolve({ opened, finals });
    });
  });
}

test(
  `SIGKILL ${KILLS} times during block production loses no final block`,
  { timeout: 120_000 },
  async (t) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'noesis-crash-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const chainDir = path.join(dataDir, 'chain');
    await mkdir(chainDir, { recursive: true });
    const doc = testGenesisDoc();
    await writeFile(path.join(chainDir, 'genesis.json'), JSON.stringify(doc));
    await writeFile(
      path.join(chainDir, 'validator-key.json'),
      JSON.stringify({
        publicKey: validatorKey.hex,
        secretKey: Buffer.from(validatorKey.secret).toString('hex'),
      }),
    );
    const final = new Map<number, string>();
    let maxFinal = 0;
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < KILLS; i++) {
      const run = await runOnce(dataDir, 20 + Math.floor(random() * 250));
      assert.ok(
        run.opened >= maxFinal,
        `run ${i}: reopened at ${run.opened}, below final ${maxFinal}`,
      );
      for (const [h, hash] of run.finals) {
        const seen = final.get(h);
        assert.ok(seen === undefined || seen === hash, `height ${h} reported with two hashes`);
        final.set(h, hash);
        maxFinal = Math.max(maxFinal, h);
      }
    }
    assert.ok(maxFinal > KILLS, `only ${maxFinal} blocks produced`);

    const genesis = genesisState(doc);
    const store = await ChainStore.open({ dir: chainDir, genesis });
    for (const [h, hash] of final) {
      assert.ok(h <= store.state.height, `final block ${h} missing (tip ${store.state.height})`);
      assert.equal((await store.blockAt(h)).hash, hash, `block ${h} changed`);
    }
    const nodeRoot = stateRoot(store.state);
    const height = store.state.height;
    await store.close();
    // Fresh replay: the log alone, from genesis, in another folder.
    const replayDir = await mkdtemp(path.join(os.tmpdir(), 'noesis-replay-'));
    t.after(() => rm(replayDir, { recursive: true, force: true }));
    await copyFile(ChainStore.files(chainDir).log, ChainStore.files(replayDir).log);
    const replay = await ChainStore.open({ dir: replayDir, genesis, readOnly: true });
    assert.equal(replay.recovery.snapshotHeight, 0);
    assert.equal(replay.state.height, height);
    assert.equal(stateRoot(replay.state), nodeRoot);
    await replay.close();
    t.diagnostic(`${KILLS} kills, ${final.size} final blocks reported, tip ${height}`);
  },
);
