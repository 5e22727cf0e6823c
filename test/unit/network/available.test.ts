/**
 * network.available and network.join: the files of resources/networks as the Settings list them
 * (the shipped local template; a full genesis dropped beside it appears with its chain id; a
 * broken file is listed with its problem), "current" read from the data folder, and choosing a
 * network only for a folder that has none yet. Through the API dispatcher on a real runtime too.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  availableNetworks,
  joinNetwork,
  NETWORKS_DIR,
} from '../../../electron/node/network/available.ts';
import { checkBootstrap } from '../../../electron/node/network/join.ts';
import { genesisState } from '../../../electron/node/chain/genesis.ts';
import { ChainStore } from '../../../electron/node/chain/store/chain-store.ts';
import { dispatch } from '../../../electron/node/api/dispatch.ts';
import { configPath } from '../../../electron/node/config.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { NodeRuntime } from '../../../electron/node/runtime.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { testGenesisDoc } from '../chain/fixtures.ts';

const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

function genesisFile(dataDir: string): string {
  return ChainStore.files(path.join(dataDir, 'chain')).genesis;
}

/** A networks folder with the shipped local template, a genesis "testnet" and a broken file. */
async function networksFolder(): Promise<{ dir: string; testnetHash: string }> {
  const dir = await tempDir();
  await copyFile(path.join(NETWORKS_DIR, 'local.json'), path.join(dir, 'local.json'));
  const doc = testGenesisDoc({ chainId: 'noesis-testnet-1' });
  await writeFile(path.join(dir, 'testnet.json'), JSON.stringify(doc, null, 2));
  await writeFile(path.join(dir, 'broken.json'), '{"chainId": "x"');
  await writeFile(path.join(dir, 'README.md'), 'not a network');
  await writeFile(path.join(dir, 'Bad Name.json'), JSON.stringify(doc));
  return { dir, testnetHash: genesisState(doc).hash };
}

test('the shipped folder lists the local template, current on none for a fresh data folder', async () => {
  const networks = await availableNetworks({ dataDir: await tempDir() });
  const local = networks.find((n) => n.id === 'local');
  assert.ok(local, 'local.json is listed');
  assert.equal(networks[0]?.id, 'local', 'the local template comes first');
  assert.equal(local.kind, 'local');
  assert.equal(local.name, 'local');
  assert.equal(local.chainId, null, 'each node makes its own local chain');
  assert.equal(local.current, false);
  assert.equal(local.problem, null);
  assert.equal(local.file, path.join(NETWORKS_DIR, 'local.json'));
});

test('a genesis file appears with its chain id; a broken one with its problem', async () => {
  const { dir, testnetHash } = await networksFolder();
  const networks = await availableNetworks({ dataDir: await tempDir(), networksDir: dir });
  assert.deepEqual(
    networks.map((n) => n.id),
    ['local', 'broken', 'testnet'],
    'local first, then by id; files that are not <id>.json are ignored',
  );
  const testnet = networks.find((n) => n.id === 'testnet')!;
  assert.equal(testnet.kind, 'genesis');
  assert.equal(testnet.chainId, 'noesis-testnet-1');
  assert.equal(testnet.genesisHash, testnetHash);
  assert.equal(testnet.validators, 1);
  assert.equal(testnet.subnets, 1);
  assert.equal(testnet.current, false);
  assert.equal(testnet.problem, null);
  const broken = networks.find((n) => n.id === 'broken')!;
  assert.equal(broken.chainId, null);
  assert.match(broken.problem ?? '', /cannot read it as JSON/);
});

test('current follows the data folder: its local chain, or the genesis it was given', async () => {
  const { dir } = await networksFolder();
  const onLocal = await tempDir();
  await mkdir(path.join(onLocal, 'chain'), { recursive: true });
  const localDoc = testGenesisDoc({ chainId: 'noesis-local-0a1b2c3d' });
  await writeFile(genesisFile(onLocal), JSON.stringify(localDoc));
  let networks = await availableNetworks({ dataDir: onLocal, networksDir: dir });
  const local = networks.find((n) => n.id === 'local')!;
  assert.equal(local.current, true);
  assert.equal(local.chainId, 'noesis-local-0a1b2c3d', "the local entry names this node's chain");
  assert.equal(local.genesisHash, genesisState(localDoc).hash);
  assert.equal(networks.find((n) => n.id === 'testnet')!.current, false);

  const onTestnet = await tempDir();
  await joinNetwork({ dataDir: onTestnet, networksDir: dir, id: 'testnet' });
  networks = await availableNetworks({ dataDir: onTestnet, networksDir: dir });
  assert.deepEqual(
    networks.filter((n) => n.current).map((n) => n.id),
    ['testnet'],
  );
});

test('joining writes the genesis into a folder without a network, once', async () => {
  const { dir } = await networksFolder();
  const dataDir = await tempDir();
  const first = await joinNetwork({ dataDir, networksDir: dir, id: 'testnet' });
  assert.equal(first.written, true);
  assert.equal(first.network.current, true);
  const written = await readFile(genesisFile(dataDir), 'utf8');
  assert.equal(
    genesisState(JSON.parse(written)).hash,
    first.network.genesisHash,
    'the same genesis as the network file',
  );
  const again = await joinNetwork({ dataDir, networksDir: dir, id: 'testnet' });
  assert.equal(again.written, false, 'already on it: nothing written');
  assert.equal(await readFile(genesisFile(dataDir), 'utf8'), written);
});

test('a folder on another network, the local template, a broken or unknown file: refused, nothing changes', async () => {
  const { dir } = await networksFolder();
  const dataDir = await tempDir();
  await mkdir(path.join(dataDir, 'chain'), { recursive: true });
  const mine = JSON.stringify(testGenesisDoc({ chainId: 'noesis-local-ffffffff' }));
  await writeFile(genesisFile(dataDir), mine);

  await assert.rejects(joinNetwork({ dataDir, networksDir: dir, id: 'testnet' }), (error) =>
    isNoesisError(error, 'NETWORK_OTHER_NETWORK'),
  );
  await assert.rejects(joinNetwork({ dataDir, networksDir: dir, id: 'local' }), (error) =>
    isNoesisError(error, 'NETWORK_NOT_JOINABLE'),
  );
  await assert.rejects(
    joinNetwork({ dataDir, networksDir: dir, id: 'broken' }),
    (error) => isNoesisError(error, 'NETWORK_NOT_JOINABLE') && /JSON/.test(error.message),
  );
  await assert.rejects(
    joinNetwork({ dataDir, networksDir: dir, id: 'mainnet' }),
    (error) =>
      isNoesisError(error, 'NETWORK_UNKNOWN') && /local, broken, testnet/.test(error.message),
  );
  assert.equal(await readFile(genesisFile(dataDir), 'utf8'), mine, 'the folder keeps its network');

  const empty = await tempDir();
  await assert.rejects(joinNetwork({ dataDir: empty, networksDir: dir, id: 'local' }), (error) =>
    isNoesisError(error, 'NETWORK_NOT_JOINABLE'),
  );
  await assert.rejects(readFile(genesisFile(empty)), { code: 'ENOENT' });
});

test('bootstrap addresses: a transport address then /p2p/<a valid peer id>', () => {
  for (const good of [
    `/ip4/192.0.2.1/tcp/30333/p2p/${PEER}`,
    `/dns4/node.example.org/tcp/30333/p2p/${PEER}`,
    `/ip6/::1/tcp/4001/p2p/${PEER}`,
  ]) {
    assert.doesNotThrow(() => checkBootstrap(good), good);
  }
  for (const bad of [
    'hello',
    '/ip4/192.0.2.1/tcp/30333',
    `/p2p/${PEER}`,
    '/ip4/192.0.2.1/tcp/30333/p2p/notapeerid',
    `/ip4/999.0.2.1/tcp/30333/p2p/${PEER}`,
    `/ip4/192.0.2.1/tcp/30333/p2p/${PEER}/tcp/1`,
  ]) {
    assert.throws(
      () => checkBootstrap(bad),
      (error) => isNoesisError(error, 'NETWORK_BAD_BOOTSTRAP') && error.data.address === bad,
      bad,
    );
  }
});

test('through the API: network.available, and config.update refuses a bad bootstrap address', async (t) => {
  const runtime = await NodeRuntime.open({ dataDir: await tempDir(), mode: 'web' });
  t.after(() => runtime.close());
  const networks = (await dispatch(runtime.handlers, 'network.available', {})) as Array<{
    id: string;
    current: boolean;
  }>;
  assert.equal(networks.find((n) => n.id === 'local')?.current, false);

  const good = `/ip4/192.0.2.1/tcp/30333/p2p/${PEER}`;
  await dispatch(runtime.handlers, 'config.update', { p2p: { bootstrap: [good] } });
  const saved = JSON.parse(await readFile(configPath(runtime.dataDir), 'utf8'));
  assert.deepEqual(saved.p2p.bootstrap, [good]);

  const before = await readFile(configPath(runtime.dataDir), 'utf8');
  await assert.rejects(
    dispatch(runtime.handlers, 'config.update', {
      p2p: { bootstrap: [good, '/ip4/192.0.2.2/tcp/30333'], mdns: false },
    }),
    (error) => isNoesisError(error, 'NETWORK_BAD_BOOTSTRAP'),
  );
  assert.deepEqual(runtime.config.p2p.bootstrap, [good], 'nothing applied');
  assert.equal(runtime.config.p2p.mdns, true, 'not even the other fields of the patch');
  assert.equal(await readFile(configPath(runtime.dataDir), 'utf8'), before, 'nothing written');
});

test('a node waiting for its first wallet opens the network chosen for it, without a restart', async (t) => {
  const { dir } = await networksFolder();
  const runtime = await NodeRuntime.open({ dataDir: await tempDir(), mode: 'web' });
  t.after(() => runtime.close());
  await runtime.updateConfig({ p2p: { enabled: false } });
  await runtime.node.start();
  assert.equal(runtime.chain.status().state, 'waiting-for-wallet');
  await joinNetwork({ dataDir: runtime.dataDir, networksDir: dir, id: 'testnet' });
  const deadline = Date.now() + 10_000;
  while (runtime.chain.status().state !== 'running' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(runtime.chain.status().state, 'running');
  assert.equal(runtime.chain.status().chainId, 'noesis-testnet-1');
  assert.equal(runtime.chain.status().network, 'configured');
});
