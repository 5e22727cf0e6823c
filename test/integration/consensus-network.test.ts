/**
 * Four validators as separate `noesis start` processes on 127.0.0.1 agree on every block through
 * Tendermint (consensus/shell.ts over libp2p gossip): they finalize blocks with the same hashes and
 * state roots; with one killed (SIGKILL) the other three go on; with a second killed the chain
 * halts without forking; both restarted, it resumes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { callApi } from '../../electron/node/api/http-client.ts';
import { startNodeProcess, type RunningNode } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { prepareValidatorNetwork } from '../helpers/multi-validator-network.ts';

const env = { NOESIS_PASSWORD: 'consensus network test password' };

/** The node's API (the same the CLI calls; in-process, so polling stays cheap). */
const api = (node: RunningNode) => ({ origin: node.origin, token: node.token });

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Every running node's block at each height in [from, to] it has: one hash and one root each. */
async function assertOneHistory(nodes: RunningNode[], from: number, to: number): Promise<void> {
  for (let h = from; h <= to; h++) {
    const seen = new Set<string>();
    for (const n of nodes) {
      const b = await callApi(api(n), 'chain.block', { height: h }).catch(() => null);
      if (b === null) continue; // not there yet
      seen.add(`${b.hash}/${b.stateRoot}`);
    }
    assert.ok(seen.size <= 1, `height ${h}: different blocks ${[...seen].join(', ')}`);
  }
}

test(
  'four validators finalize together, survive one crash, halt at two, resume',
  { timeout: 120_000 },
  async (t) => {
    const root = await tempDir('noesis-consensus-');
    const { nodes, genesisFile } = await prepareValidatorNetwork(root, 4, {
      blockIntervalMs: 200,
    });
    const running = new Map<number, RunningNode>();
    t.after(async () => {
      for (const n of running.values()) await n.stop('SIGKILL').catch(() => undefined);
    });
    const start = async (i: number) => {
      const others = nodes.filter((_, j) => j !== i).flatMap((n) => ['--bootstrap', n.address]);
      const args = ['--headless', '--port', '0', '--data-dir', nodes[i]!.dataDir];
      const node = await startNodeProcess([...args, '--genesis', genesisFile, ...others], { env });
      running.set(i, node);
    };
    const kill = async (i: number) => {
      await running.get(i)!.stop('SIGKILL');
      running.delete(i);
    };
    const heights = (ids: number[]) =>
      Promise.all(
        ids.map(async (i) => (await callApi(api(running.get(i)!), 'chain.status', {})).height),
      );
    const all = () => [...running.values()];

    const t0 = Date.now();
    await Promise.all([0, 1, 2, 3].map(start));
    await until('all four at height 5', async () =>
      Math.min(...(await heights([0, 1, 2, 3]))) >= 5 ? true : null,
    );
    t.diagnostic(`four validators at height 5 after ${Date.now() - t0} ms`);
    await assertOneHistory(all(), 1, 5);
    t.diagnostic(`history checked ${Date.now() - t0} ms`);

    // One killed: the other three (3/4 of the power > 2/3) go on.
    await kill(3);
    const h1 = Math.max(...(await heights([0, 1, 2])));
    await until('three go on', async () =>
      Math.min(...(await heights([0, 1, 2]))) >= h1 + 4 ? true : null,
    );

    t.diagnostic(`three went on ${Date.now() - t0} ms`);
    // Two killed: 1/2 of the power is short of 2/3, so nothing is final and nothing forks.
    await kill(2);
    await sleep(1_000); // a block decided just before the kill lands
    const halted = Math.max(...(await heights([0, 1])));
    await sleep(3_000);
    assert.equal(Math.max(...(await heights([0, 1]))), halted, 'the chain halted');
    await assertOneHistory(all(), 1, halted);
    t.diagnostic(`halted at ${halted} ${Date.now() - t0} ms`);

    // Both restarted: they catch up and the chain resumes.
    await Promise.all([2, 3].map(start));
    await until(
      'the chain resumes',
      async () => (Math.min(...(await heights([0, 1, 2, 3]))) >= halted + 3 ? true : null),
      30_000,
    );
    const end = Math.min(...(await heights([0, 1, 2, 3])));
    await assertOneHistory(all(), Math.max(1, halted - 3), end);
    t.diagnostic(`resumed to height ${end}; total ${Date.now() - t0} ms`);
  },
);
