/**
 * The Mine role: answers a subnet's tasks from the local model.
 *
 * Start, in order (each step can stop with a RoleError whose reason the UI shows):
 *   1. the subnet exists and names a model; the model file with that sha256 is installed here;
 *   2. the model is loaded in the engine (llama.cpp in its own process);
 *   3. the hotkey is registered on the subnet (a coldkey-signed `register`, whose burn the user
 *      approves in the signing confirmation);
 *   4. the hotkey becomes the node's libp2p identity (node-key.ts) — the network restarts if it
 *      was another — so validators' connections prove which hotkey answers;
 *   5. the task protocol is served (task-server.ts) and the node's addresses are published with a
 *      hotkey-signed `serve`.
 * While running it follows each block: a lost uid (replaced by a newer registration) is reported
 * as DEREGISTERED and the miner stops answering.
 */
import type { Hex } from '../chain/crypto.ts';
import { signMessage } from '../chain/crypto.ts';
import { netuidKey, type SubnetModel } from '../chain/types.ts';
import type { WorkingHotkey } from '../network/node-key.ts';
import type { MinerFigures, RoleReason } from '../api/methods/roles.ts';
import {
  modelOf,
  neuronOf,
  ensureModel,
  RoleError,
  stateOf,
  subnetOf,
  submitAsHotkey,
  type RolesContext,
} from './context.ts';
import { TaskServer, type TaskGenerator } from './task-server.ts';

/** Produces the answer tokens for a task; the default runs the engine's greedy generation. */
export type Answerer = TaskGenerator;

export interface MinerOptions {
  netuid: number;
  hotkey: WorkingHotkey;
  /** Registers the hotkey (coldkey-signed, confirmed); called only when it holds no uid. */
  register: () => Promise<void>;
  /** Replaces the engine as the source of answers (benchmarks and adversarial tests). */
  answerer?: Answerer | undefined;
  /** Model threads (tests use 1). */
  threads?: number | undefined;
}

export class MinerRole {
  private readonly ctx: RolesContext;
  private readonly o: MinerOptions;
  private server: TaskServer | null = null;
  private model: SubnetModel | null = null;
  private modelLoaded = false;
  /** The subnet model's file on this computer (null with an answerer seam). */
  private file: string | null = null;
  private readonly onBlock = () => this.followChain();
  private lostUid = false;
  private readonly tps: number[] = [];
  private lastTaskAt: number | null = null;
  private readonly validatorsSeen = new Map<string, number>();

  constructor(ctx: RolesContext, options: MinerOptions) {
    this.ctx = ctx;
    this.o = options;
  }

  get hotkey(): Hex {
    return this.o.hotkey.publicKey;
  }

  /** sha256 of the model this miner answers with (null before start). */
  get modelSha256(): Hex | null {
    return this.model?.sha256 ?? null;
  }

  get modelView(): { catalogId: string; sha256: string; loaded: boolean } | null {
    return this.model === null
      ? null
      : { catalogId: this.model.catalogId, sha256: this.model.sha256, loaded: this.modelLoaded };
  }

  async start(): Promise<void> {
    const { ctx, o } = this;
    const subnet = subnetOf(stateOf(ctx), o.netuid);
    const model = modelOf(subnet);
    this.model = model;
    let file: string | null = null;
    if (o.answerer === undefined) {
      file = await findModelFile(ctx, model);
      this.file = file;
      await ensureModel(ctx, file, { contextSize: model.contextSize, threads: o.threads });
      this.modelLoaded = true;
    }
    if (neuronOf(subnetOf(stateOf(ctx), o.netuid), o.hotkey.publicKey) === null) {
      await o.register();
      if (neuronOf(subnetOf(stateOf(ctx), o.netuid), o.hotkey.publicKey) === null) {
        throw new RoleError('NOT_REGISTERED', 'the registration did not land in a block');
      }
    }
    const p2p = await ctx.network.whenRunning();
    const chainId = stateOf(ctx).chainId;
    const generate: TaskGenerator =
      o.answerer ??
      (async (request, onTokens, signal) => {
        await ensureModel(ctx, file!, { contextSize: model.contextSize, threads: o.threads });
        const result = await ctx.models.engine.generateTokens(request, onTokens, signal);
        return { tokens: result.tokens, stop: result.stop };
      });
    this.server = new TaskServer({
      chainId,
      host: p2p.host,
      minerKey: {
        publicKey: o.hotkey.publicKey,
        sign: (bytes) => signMessage(o.hotkey.secretKey, bytes),
      },
      modelSha256: () => (this.lostUid ? null : model.sha256),
      isValidator: (hotkey, netuid) => {
        const state = ctx.chain.openStore?.state;
        if (state === undefined || netuid !== o.netuid) return { permit: false, stake: 0n };
        const s = state.subnets.get(netuidKey(netuid));
        const n = s === undefined ? null : neuronOf(s, hotkey);
        return {
          permit: n?.validatorPermit === true,
          stake: state.hotkeys.get(hotkey)?.totalStake ?? 0n,
        };
      },
      generate: async (request, onTokens, signal) => {
        const started = performance.now();
        const result = await generate(request, onTokens, signal);
        const seconds = (performance.now() - started) / 1000;
        if (result.tokens.length > 1 && seconds > 0) {
          this.tps.push(result.tokens.length / seconds);
          if (this.tps.length > 32) this.tps.shift();
        }
        this.lastTaskAt = Date.now();
        return result;
      },
      onTask: (validator) => this.validatorsSeen.set(validator, stateOf(ctx).height),
      concurrency: 1,
      log: (message, data) => ctx.logger.debug(data ?? {}, message),
    });
    await this.server.start();
    await this.publishAddresses();
    ctx.chain.on('block', this.onBlock);
  }

  /** Publishes this node's addresses (each ending in /p2p/<peer id of the hotkey>). */
  private async publishAddresses(): Promise<void> {
    const { ctx, o } = this;
    const p2p = await ctx.network.whenRunning();
    // Most reachable first (the chain keeps four): a validator elsewhere cannot use this
    // machine's loopback or LAN address, so those go last (a devnet has nothing else).
    const addrs = p2p
      .addresses()
      .filter((a) => a.includes('/p2p/'))
      .sort((a, b) => addressRank(a) - addressRank(b))
      .slice(0, 4);
    if (addrs.length === 0) throw new RoleError('NOT_REACHABLE', 'the node has no address yet');
    const neuron = neuronOf(subnetOf(stateOf(ctx), o.netuid), o.hotkey.publicKey);
    const same =
      neuron?.axon !== null &&
      neuron?.axon !== undefined &&
      neuron.axon.addrs.length === addrs.length &&
      neuron.axon.addrs.every((a, i) => a === addrs[i]);
    if (same) return;
    await submitAsHotkey(ctx, o.hotkey, { kind: 'serve', netuid: o.netuid, addrs }, 30_000);
    ctx.logger.info({ netuid: o.netuid, addrs }, 'miner: serving');
  }

  private followChain(): void {
    const state = this.ctx.chain.openStore?.state;
    if (state === undefined) return;
    const subnet = state.subnets.get(netuidKey(this.o.netuid));
    const lost = subnet === undefined || neuronOf(subnet, this.o.hotkey.publicKey) === null;
    if (lost && !this.lostUid) {
      this.ctx.logger.warn({ netuid: this.o.netuid }, 'miner: the hotkey lost its uid');
    }
    this.lostUid = lost;
  }

  reasons(): RoleReason[] {
    const out: RoleReason[] = [];
    if (this.lostUid) {
      out.push({
        code: 'DEREGISTERED',
        message: 'this hotkey lost its place on the subnet to a newer registration',
      });
    }
    const engine = this.ctx.models.engineStatus();
    if (this.file !== null && (engine.state !== 'loaded' || engine.model?.path !== this.file)) {
      // The next task loads it again (ensureModel); until then say why nothing is answered.
      out.push({
        code: 'MODEL_NOT_LOADED',
        message:
          engine.state === 'loaded'
            ? 'another model was loaded in its place; it is loaded again at the next task'
            : `the model is not loaded (${engine.state})`,
      });
    }
    return out;
  }

  figures(): MinerFigures {
    const stats = this.server?.stats;
    const height = this.ctx.chain.openStore?.state.height ?? 0;
    const tempo =
      this.ctx.chain.openStore?.state.subnets.get(netuidKey(this.o.netuid))?.params.tempo ?? 0;
    let recent = 0;
    for (const at of this.validatorsSeen.values()) if (height - at <= tempo) recent++;
    const sorted = [...this.tps].sort((a, b) => a - b);
    return {
      tasksServed: stats?.served ?? 0,
      tasksRefused: stats?.refusedTotal ?? 0,
      tokensPerSecond: sorted.length === 0 ? null : (sorted[sorted.length >> 1] ?? null),
      lastTaskAt: this.lastTaskAt,
      validatorsThisEpoch: recent,
    };
  }

  async stop(): Promise<void> {
    this.ctx.chain.off('block', this.onBlock);
    await this.server?.stop();
    this.server = null;
  }
}

/** The installed model file whose sha256 the subnet names. */
export async function findModelFile(ctx: RolesContext, model: SubnetModel): Promise<string> {
  const list = await ctx.models.list();
  const match = list.installed.find((m) => m.sha256 === model.sha256);
  if (match !== undefined) return match.path;
  const catalog = await ctx.models.catalog();
  const entry = catalog.models.find((m) => m.id === model.catalogId);
  const name = entry?.name ?? model.catalogId;
  const other = list.installed.find(
    (m) => model.catalogId !== 'custom' && m.catalogId === model.catalogId,
  );
  if (other !== undefined) {
    throw new RoleError(
      'MODEL_NOT_ACCEPTED',
      `your copy of ${name} (${other.fileName}) is not the exact file the subnet names: download the subnet's file`,
      { catalogId: model.catalogId, sha256: model.sha256, installed: other.sha256 },
    );
  }
  throw new RoleError(
    'MODEL_MISSING',
    `the subnet's model (${name}) is not on this computer: download it first`,
    { catalogId: model.catalogId, sha256: model.sha256 },
  );
}

/** 0 public, 1 relayed, 2 private network, 3 this machine only. */
export function addressRank(addr: string): number {
  if (/^\/ip4\/127\.|^\/ip6\/::1\//.test(addr)) return 3;
  if (/^\/ip4\/(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)|^\/ip6\/f[cde]/i.test(addr))
    return 2;
  if (addr.includes('/p2p-circuit')) return 1;
  return 0;
}
