/**
 * A development network on one machine (`noesis devnet`, the consensus tests and benchmarks):
 * `prepareDevnet` readies N node folders before any node starts — each gets its p2p node key (so
 * its peer id is known) and a loopback-only config on its p2p port; the first V also get their
 * consensus key (`chain/validator-key.json`, as the node itself creates it) — and writes one fresh
 * genesis listing those V consensus keys as validators with equal stake (each with its own random
 * hotkey and coldkey), with short blocks. `startDevnet` then runs every node as its own
 * `noesis start --headless` process on 127.0.0.1 with that genesis and the others as bootstrap
 * peers. Without a model no node gets a wallet: validators sign with their consensus keys.
 *
 * With `model` (proof of intelligence, `noesis devnet --miners M --model FILE.gguf`) every node
 * gets a wallet "devnet" (one password for all, NOESIS_PASSWORD in each node's environment) whose
 * hotkey is the node's libp2p identity; the first V nodes' wallets are the genesis validators and
 * validate subnet 1, the next M nodes' coldkeys are funded, install the model, register on subnet
 * 1 and mine it. Subnet 1 names the file (sha256 and size) and has a short tempo, so that rewards
 * appear within minutes. Each node's roles are written to its `roles/roles.json` before it starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateValidatorKey, localGenesis } from '../chain/local-network.ts';
import { publicKeyOf, randomSecretKey, toHex } from '../chain/crypto.ts';
import { addressOf } from '../chain/queries.ts';
import { activateHotkey, loadOrCreateNodeKey } from './node-key.ts';
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile as writeFileRaw } from 'node:fs/promises';
import { WalletService } from '../wallet/service.ts';
import { parseLibp2pPrivateKeyProtobuf } from '../wallet/peer-id.ts';
import { ModelsService } from '../inference/models-service.ts';
import { writeWantedRoles } from '../roles/service.ts';
import { DEFAULT_MODEL_RULES } from '../chain/subnet-model.ts';

export interface PreparedNode {
  index: number;
  dataDir: string;
  /** This node's consensus key; null for a node that is not a genesis validator. */
  consensusKey: string | null;
  peerId: string;
  /** p2p port on 127.0.0.1. */
  port: number;
  /** `/ip4/127.0.0.1/tcp/<port>/p2p/<peerId>` */
  address: string;
}

export interface DevnetOptions {
  /** Nodes in all (≥ 1). */
  nodes: number;
  /** The first `validators` nodes are genesis validators (default: all). */
  validators?: number | undefined;
  /** p2p port of node i is basePort + 100 + i; without it each gets a free port. */
  basePort?: number | undefined;
  /** Target block interval written into the genesis params (default 250 ms). */
  blockIntervalMs?: number | undefined;
  /** Every validator's stake in TAO (default: the local network's validator stake). */
  stake?: string | undefined;
  /** Extra funded accounts in the genesis (SS58 address, balance in TAO such as "1000"). */
  fund?: readonly { address: string; balance: string }[] | undefined;
  /** The next M nodes after the validators register on subnet 1 and mine `model` (default 0). */
  miners?: number | undefined;
  /** A GGUF file: subnet 1 names it, and every validator and miner installs it. */
  model?: string | undefined;
  /** Every node's wallet password (default: random, written to DIR/password with mode 0600). */
  password?: string | undefined;
  /** Blocks per epoch of the subnets (default with a model: 20). */
  tempo?: number | undefined;
  /** Other subnet parameters of the genesis (tests: a small maxUids). */
  subnetParams?: Record<string, number | boolean | string> | undefined;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const randomAddress = () => addressOf(toHex(publicKeyOf(randomSecretKey())));

/** Node folders `root/node<i>` and `root/genesis.json`, ready for `noesis start --genesis`. */
export async function prepareDevnet(
  root: string,
  options: DevnetOptions,
): Promise<{ nodes: PreparedNode[]; genesisFile: string; password: string | null }> {
  const count = options.nodes;
  const validators = options.validators ?? count;
  const miners = options.miners ?? 0;
  if (!(count >= 1) || !(validators >= 1) || validators > count) {
    throw new Error(`a devnet needs 1 ≤ validators (${validators}) ≤ nodes (${count})`);
  }
  if (!(miners >= 0) || validators + miners > count) {
    throw new Error(`validators (${validators}) + miners (${miners}) exceed nodes (${count})`);
  }
  if (miners > 0 && options.model === undefined) {
    throw new Error('miners need a model: pass --model FILE.gguf');
  }
  const withRoles = options.model !== undefined;
  const password = withRoles ? (options.password ?? randomBytes(12).toString('hex')) : null;
  if (password !== null && options.password === undefined) {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await writeFileRaw(path.join(root, 'password'), password + '\n', { mode: 0o600 });
  }
  const wallets: Array<{ coldkey: string; hotkey: string }> = [];
  const nodes: PreparedNode[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = path.join(root, `node${i}`);
    await mkdir(path.join(dataDir, 'chain'), { recursive: true, mode: 0o700 });
    const key =
      i < validators
        ? await loadOrCreateValidatorKey(path.join(dataDir, 'chain', 'validator-key.json'), true)
        : null;
    if (password !== null) {
      // The node's wallet; its hotkey becomes the node's identity before the node first starts.
      const service = new WalletService({ dataDir, autoLockMs: 0 });
      const { wallet } = await service.create({ name: 'devnet', password });
      await service.unlock('devnet', password);
      const identity = service.nodeIdentity('devnet', 0);
      const { secretKey, publicKey } = parseLibp2pPrivateKeyProtobuf(identity.privateKeyProtobuf);
      await activateHotkey(dataDir, secretKey, publicKey);
      secretKey.fill(0);
      service.close();
      wallets.push({ coldkey: wallet.coldkey.address, hotkey: wallet.hotkeys[0]!.address });
    }
    const nodeKey = await loadOrCreateNodeKey(dataDir);
    const port = options.basePort !== undefined ? options.basePort + 100 + i : await freePort();
    const config = {
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${port}`], mdns: false, upnp: false },
      // N nodes share this machine's cores: one llama.cpp thread each.
      ...(options.model !== undefined ? { inference: { threads: 1 } } : {}),
    };
    await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config) + '\n');
    nodes.push({
      index: i,
      dataDir,
      consensusKey: key?.publicKey ?? null,
      peerId: nodeKey.peerId,
      port,
      address: `/ip4/127.0.0.1/tcp/${port}/p2p/${nodeKey.peerId}`,
    });
  }
  const owner = wallets[0] ?? { coldkey: randomAddress(), hotkey: randomAddress() };
  const doc = await localGenesis(owner.coldkey, owner.hotkey, nodes[0]!.consensusKey!, Date.now());
  const stake = options.stake ?? doc.validators[0]!.stake;
  doc.validators = nodes.slice(0, validators).map((n, i) =>
    i === 0
      ? { ...doc.validators[0]!, stake }
      : {
          consensusKey: n.consensusKey!,
          hotkey: wallets[i]?.hotkey ?? randomAddress(),
          coldkey: wallets[i]?.coldkey ?? randomAddress(),
          stake,
        },
  );
  doc.accounts = [...(doc.accounts ?? []), ...(options.fund ?? []).map((f) => ({ ...f }))];
  // Miners pay their registration burn from these.
  for (const w of wallets.slice(validators, validators + miners)) {
    doc.accounts.push({ address: w.coldkey, balance: '100' });
  }
  (doc.params as Record<string, unknown>).blockIntervalMs = options.blockIntervalMs ?? 250;
  if (options.model !== undefined) {
    const file = path.resolve(options.model);
    const sizeBytes = (await stat(file)).size;
    const sha256 = await sha256File(file);
    const subnet = doc.subnets![0]!;
    subnet.model = { ...DEFAULT_MODEL_RULES, catalogId: 'custom', sha256, sizeBytes };
    const params = doc.params as Record<string, unknown>;
    params.subnetDefaults = {
      ...(params.subnetDefaults as Record<string, unknown>),
      tempo: options.tempo ?? 20,
      commitReveal: true,
      revealPeriodEpochs: 1,
      weightsRateLimit: 1,
      immunityPeriod: 40,
      activityCutoff: 1000,
      ...options.subnetParams,
    };
    for (let i = 0; i < validators + miners; i++) {
      const node = nodes[i]!;
      const models = new ModelsService({ dataDir: node.dataDir });
      await models.addFile({ path: file });
      await models.stop();
      // A devnet registers its miners by itself (its wallets are made for that).
      const wanted = {
        netuid: subnet.netuid,
        wallet: 'devnet',
        hotkeyIndex: 0,
        autoRegister: true,
      };
      await writeWantedRoles(
        node.dataDir,
        i < validators ? { validate: wanted } : { mine: wanted },
      );
    }
  } else if (options.tempo !== undefined) {
    const params = doc.params as Record<string, unknown>;
    params.subnetDefaults = {
      ...(params.subnetDefaults as Record<string, unknown>),
      tempo: options.tempo,
    };
  }
  const genesisFile = path.join(root, 'genesis.json');
  await writeFile(genesisFile, JSON.stringify(doc, null, 2) + '\n');
  return { nodes, genesisFile, password };
}

const NOESIS_BIN = fileURLToPath(new URL('../../../bin/noesis.js', import.meta.url));

export interface DevnetNode extends PreparedNode {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT/?token=TOKEN` */
  url: string;
  origin: string;
  token: string;
  /** The last few kilobytes of the node's output. */
  output: () => string;
  exited: Promise<number | null>;
}

export interface RunningDevnet {
  nodes: DevnetNode[];
  genesisFile: string;
  /** SIGTERM to every node (SIGKILL after `graceMs`); resolves once all have exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Thrown when a node exits (or stays silent) before it prints its web ui line. */
export class DevnetStartError extends Error {
  readonly node: number;
  readonly output: string;
  constructor(node: number, message: string, output: string) {
    super(message);
    this.node = node;
    this.output = output;
  }
}

const TAIL = 16_384;

function startNode(
  node: PreparedNode,
  genesisFile: string,
  bootstrap: string[],
  webPort: number,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): { child: ChildProcess; ready: Promise<DevnetNode> } {
  const args = ['start', '--headless', '--port', String(webPort), '--data-dir', node.dataDir];
  args.push('--genesis', genesisFile, ...bootstrap.flatMap((b) => ['--bootstrap', b]));
  const child = spawn(process.execPath, [NOESIS_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2 * TAIL) output = output.slice(-TAIL);
  };
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code, signal) => done(code ?? (signal === null ? null : 128))),
  );
  const ready = new Promise<DevnetNode>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DevnetStartError(node.index, `node${node.index} did not start`, output));
    }, timeoutMs);
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /^web ui: (http:\/\/[^\s/]+)\/\?token=(\S+)$/m.exec(seen);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        ...node,
        child,
        url: `${match[1]}/?token=${match[2]}`,
        origin: match[1]!,
        token: match[2]!,
        output: () => output,
        exited,
      });
    };
    child.stdout!.on('data', keep);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', keep);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new DevnetStartError(
          node.index,
          `node${node.index} exited with code ${code} before listening`,
          output,
        ),
      );
    });
  });
  return { child, ready };
}

async function stopChildren(children: ChildProcess[], graceMs: number): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    }),
  );
}

/**
 * Prepares `root` (see prepareDevnet) and starts every node; resolves once each has printed its
 * web ui line. Node i's web port is basePort + i (0, a free one, without basePort). If a node
 * fails to start, the others are stopped and a DevnetStartError is thrown.
 */
export async function startDevnet(
  root: string,
  options: DevnetOptions & {
    env?: NodeJS.ProcessEnv;
    startTimeoutMs?: number;
    /** Aborting while the nodes start stops them (and startDevnet rejects). */
    signal?: AbortSignal;
  },
): Promise<RunningDevnet> {
  const { nodes, genesisFile, password } = await prepareDevnet(root, options);
  const env = {
    ...(options.env ?? {}),
    ...(password !== null ? { NOESIS_PASSWORD: password } : {}),
  };
  const started = nodes.map((n) =>
    startNode(
      n,
      genesisFile,
      nodes.filter((o) => o !== n).map((o) => o.address),
      options.basePort !== undefined ? options.basePort + n.index : 0,
      env,
      options.startTimeoutMs ?? 60_000,
    ),
  );
  const children = started.map((s) => s.child);
  for (const s of started) s.ready.catch(() => undefined); // the first failure is reported
  let running: DevnetNode[];
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(new Error('devnet start aborted'));
    if (options.signal?.aborted) fail();
    options.signal?.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    running = await Promise.race([Promise.all(started.map((s) => s.ready)), aborted]);
  } catch (error) {
    await stopChildren(children, 5_000);
    throw error;
  }
  return {
    nodes: running,
    genesisFile,
    stop: (graceMs = 10_000) => stopChildren(children, graceMs),
  };
}
