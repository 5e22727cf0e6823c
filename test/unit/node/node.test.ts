import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { NoesisNode, NodeErrorCode } from '../../../electron/node/node.ts';
import type { NodeStatus } from '../../../electron/node/node-status.ts';
import type { NodeService } from '../../../electron/node/service.ts';
import { quietLogger } from '../../helpers/quiet-logger.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

function recordingService(name: string, journal: string[], failStart = false): NodeService {
  return {
    name,
    async start() {
      journal.push(`start ${name}`);
      if (failStart) throw new Error(`${name} cannot bind its port`);
    },
    async stop() {
      journal.push(`stop ${name}`);
    },
  };
}

test('services start in order and stop in reverse; events follow every state', async () => {
  const dataDir = await tempDir();
  const journal: string[] = [];
  const node = new NoesisNode({
    dataDir,
    logger: quietLogger(),
    services: [recordingService('chain', journal), recordingService('p2p', journal)],
  });
  await node.load();
  const states: string[] = [];
  node.on('status', (status: NodeStatus) => states.push(status.state));
  assert.equal((await node.start()).state, 'running');
  assert.equal((await node.stop('user')).state, 'stopped');
  assert.deepEqual(journal, ['start chain', 'start p2p', 'stop p2p', 'stop chain']);
  assert.equal(states[0], 'starting');
  assert.ok(states.includes('running'));
  assert.equal(states.at(-1), 'stopped');
  assert.equal(node.status().lastStop?.reason, 'user');
});

test('starting twice is harmless; a stop during a start waits for it', async () => {
  const dataDir = await tempDir();
  const journal: string[] = [];
  const node = new NoesisNode({
    dataDir,
    logger: quietLogger(),
    services: [recordingService('chain', journal)],
  });
  await node.load();
  const [first, second, third] = await Promise.all([node.start(), node.start(), node.stop('user')]);
  assert.equal(first.state, 'running');
  assert.equal(second.state, 'running');
  assert.equal(third.state, 'stopped');
  assert.deepEqual(journal, ['start chain', 'stop chain']);
});

test('a service that fails to start leaves the node in error with the started ones stopped', async () => {
  const dataDir = await tempDir();
  const journal: string[] = [];
  const node = new NoesisNode({
    dataDir,
    logger: quietLogger(),
    services: [recordingService('chain', journal), recordingService('p2p', journal, true)],
  });
  await node.load();
  const status = await node.start();
  assert.equal(status.state, 'error');
  assert.equal(status.error?.code, NodeErrorCode.SERVICE_START_FAILED);
  assert.match(status.error?.message ?? '', /p2p failed to start: p2p cannot bind its port/);
  assert.deepEqual(journal, ['start chain', 'start p2p', 'stop chain']);
});

test('the user stop is remembered across restarts; a shutdown is not', async () => {
  const dataDir = await tempDir();
  const first = new NoesisNode({ dataDir, logger: quietLogger() });
  await first.load();
  await first.start();
  await first.stop('shutdown');
  const second = new NoesisNode({ dataDir, logger: quietLogger() });
  await second.load();
  assert.equal(second.shouldAutoStart(true), true);
  assert.equal(second.shouldAutoStart(false), false);
  await second.start();
  await second.stop('user');
  const third = new NoesisNode({ dataDir, logger: quietLogger() });
  await third.load();
  assert.equal(third.shouldAutoStart(true), false);
  assert.equal(third.status().lastStop?.reason, 'user');
});

test('a run that never recorded its stop is reported as a crash', async () => {
  const dataDir = await tempDir();
  const first = new NoesisNode({ dataDir, logger: quietLogger() });
  await first.load();
  await first.start();
  // The process dies here: no stop is recorded.
  const lifecycle = JSON.parse(await readFile(path.join(dataDir, 'lifecycle.json'), 'utf8'));
  assert.equal(lifecycle.running, true);
  const second = new NoesisNode({ dataDir, logger: quietLogger() });
  await second.load();
  assert.equal(second.status().lastStop?.reason, 'crash');
  assert.equal(second.shouldAutoStart(true), true);
});
