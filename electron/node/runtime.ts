/**
 * Opens everything a node process needs, in one place and in order: the data folder (checked
 * writable), the config, the logs, the node and its API handlers. The Electron main process, the
 * headless CLI and the tests all start a node through `openRuntime`, and close it with `close`,
 * which stops the node and flushes the logs so nothing is left half-written.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadConfig, parseConfig, saveConfig, type Config } from './config.ts';
import type { ConfigPatch } from './api/methods/config.ts';
import { ensureWritableDataDir } from './data-dir.ts';
import { createNodeLogger, type NodeLogger } from './logger.ts';
import { NoesisNode } from './node.ts';
import type { StopReason } from './node-status.ts';
import type { ApiEvent, ApiHandlers, EventMap, EventName } from './api/contract.ts';
import { createApiHandlers } from './api/handlers.ts';
import { ModelsService } from './inference/models-service.ts';
import { WalletService } from './wallet/service.ts';
import { ChainService } from './chain/service.ts';
import { NetworkService } from './network/service.ts';
import { checkBootstrap } from './network/join.ts';
import { RolesService, type RolesServiceOptions } from './roles/service.ts';
import { ConfirmationBroker, type SigningConfirmer } from './wallet/confirm.ts';
import type { AppInfo, AppMode } from './api/methods/app.ts';

export const APP_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export interface RuntimeOptions {
  dataDir: string;
  mode: AppMode;
  /** Test and benchmark seams of the roles (answer source, threads, EMA alpha, verifyAll). */
  roles?: Pick<RolesServiceOptions, 'answerer' | 'threads' | 'alpha' | 'verifyAll'>;
}

export class NodeRuntime {
  readonly dataDir: string;
  private currentConfig: Config;
  readonly logs: NodeLogger;
  readonly node: NoesisNode;
  readonly models: ModelsService;
  readonly wallets: WalletService;
  readonly chain: ChainService;
  readonly network: NetworkService;
  readonly roles: RolesService;
  readonly handlers: ApiHandlers;
  readonly info: AppInfo;
  /** Asks connected UIs to approve signatures (web mode); see wallet/confirm.ts. */
  readonly confirmations: ConfirmationBroker;
  /** Who approves signatures: the broker, unless the host (Electron) installs its own dialog. */
  private confirmer: SigningConfirmer;
  private readonly events = new EventEmitter<{ event: [ApiEvent] }>();
  private closed = false;
  private configQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    dataDir: string,
    config: Config,
    logs: NodeLogger,
    mode: AppMode,
    roles: RuntimeOptions['roles'] = {},
  ) {
    this.dataDir = dataDir;
    this.currentConfig = config;
    this.logs = logs;
    this.info = {
      name: 'Noesis',
      version: APP_VERSION,
      mode,
      dataDir,
      platform: process.platform,
      nodeVersion: process.versions.node,
    };
    const threads = config.inference.threads > 0 ? config.inference.threads : undefined;
    this.models = new ModelsService({
      dataDir,
      logger: logs.logger,
      ...(threads !== undefined ? { loadDefaults: { threads } } : {}),
    });
    this.models.on('download', (progress) => this.publish('models.download', progress));
    this.models.on('token', (token) => this.publish('models.token', token));
    this.models.on('engine', (status) => this.publish('models.engine', status));
    this.wallets = new WalletService({
      dataDir,
      autoLockMs: config.wallet.autoLockMinutes * 60_000,
      logger: logs.logger.child({ module: 'wallet' }),
      onLock: (name, reason) => this.publish('wallet.locked', { name, reason }),
    });
    this.confirmations = new ConfirmationBroker({
      events: {
        request: (request) => this.publish('confirm.request', request),
        settled: (settled) => this.publish('confirm.settled', settled),
      },
    });
    this.confirmer = this.confirmations;
    this.chain = new ChainService({
      dataDir,
      wallets: this.wallets,
      confirmer: { confirm: (action) => this.confirmer.confirm(action) },
      logger: logs.logger.child({ module: 'chain' }),
      appVersion: APP_VERSION,
    });
    this.chain.on('block', (block) => this.publish('chain.block', block));
    this.network = new NetworkService({
      dataDir,
      chain: this.chain,
      config: () => this.currentConfig.p2p,
      logger: logs.logger.child({ module: 'network' }),
      onStatus: (status) => this.publish('network.status', status),
    });
    this.roles = new RolesService({
      dataDir,
      chain: this.chain,
      network: this.network,
      models: this.models,
      wallets: this.wallets,
      logger: logs.logger.child({ module: 'roles' }),
      onStatus: (status) => this.publish('roles.status', status),
      threads,
      ...roles,
    });
    this.node = new NoesisNode({
      dataDir,
      logger: logs.logger,
      services: [this.chain, this.network, this.roles],
    });
    this.handlers = createApiHandlers({
      config: { get: () => this.currentConfig, update: (patch) => this.updateConfig(patch) },
      info: this.info,
      node: this.node,
      logs: logs.ring,
      models: this.models,
      wallets: this.wallets,
      chain: this.chain,
      confirmations: this.confirmations,
      network: this.network,
      roles: this.roles,
    });
    this.node.on('status', (status) => this.publish('node.status', status));
    logs.ring.on('line', (line) => this.publish('log', line));
  }

  static async open(options: RuntimeOptions): Promise<NodeRuntime> {
    const dataDir = await ensureWritableDataDir(options.dataDir);
    const config = await loadConfig(dataDir);
    const logs = createNodeLogger({ dataDir, ...config.logs });
    const runtime = new NodeRuntime(dataDir, config, logs, options.mode, options.roles);
    await runtime.node.load();
    // Downloads the user had running when the app last closed (or was killed) resume now.
    await runtime.models.start();
    logs.logger.info({ version: APP_VERSION, mode: options.mode, dataDir }, 'noesis opened');
    return runtime;
  }

  /** Starts the node unless the config says not to or the user stopped it last time. */
  async autoStart(): Promise<void> {
    if (this.node.shouldAutoStart(this.config.node.autoStart)) await this.node.start();
  }

  /** Subscribes to every API event; returns the unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  get config(): Config {
    return this.currentConfig;
  }

  /**
   * Applies a settings patch: the merged config is validated as a whole (a bad value is refused
   * with its field named and nothing is written), saved atomically, and applied at once where a
   * running node can take it. New bootstrap addresses get the CLI's own check (--bootstrap), so
   * one the p2p layer could not dial is refused here rather than at the next start (those already
   * saved are not checked again, so an old one can still be removed).
   */
  updateConfig(patch: ConfigPatch): Promise<Config> {
    // One at a time: two patches applied to the same `current` would lose one of them.
    const next = this.configQueue.then(() => this.applyConfig(patch));
    this.configQueue = next.catch(() => undefined);
    return next;
  }

  private async applyConfig(patch: ConfigPatch): Promise<Config> {
    const current = this.currentConfig;
    for (const address of patch.p2p?.bootstrap ?? []) {
      if (!current.p2p.bootstrap.includes(address)) checkBootstrap(address);
    }
    const next = parseConfig({
      web: { ...current.web, ...patch.web },
      node: { ...current.node, ...patch.node },
      ui: { ...current.ui, ...patch.ui },
      wallet: { ...current.wallet, ...patch.wallet },
      logs: { ...current.logs, ...patch.logs },
      p2p: { ...current.p2p, ...patch.p2p },
      inference: { ...current.inference, ...patch.inference },
    });
    await saveConfig(this.dataDir, next);
    this.currentConfig = next;
    this.wallets.setAutoLockMs(next.wallet.autoLockMinutes * 60_000);
    this.logs.logger.info({ patch }, 'settings changed');
    return next;
  }

  /** The desktop app installs a dialog owned by its main process here. */
  setSigningConfirmer(confirmer: SigningConfirmer): void {
    this.confirmer = confirmer;
  }

  private publish<E extends EventName>(event: E, data: EventMap[E]): void {
    this.events.emit('event', { event, data } as ApiEvent);
  }

  async close(reason: StopReason = 'shutdown'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.confirmations.rejectAll();
    await this.node.stop(reason);
    await this.models.stop();
    this.wallets.close();
    this.logs.logger.info({ reason }, 'noesis closed');
    await this.logs.close();
  }
}
