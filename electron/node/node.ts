/**
 * The node: composes its services explicitly, starts them in order and stops them in reverse,
 * and remembers who stopped it (user, shutdown, crash) so that after a restart it brings back
 * only what the user did not stop. Owns no I/O of its own beside its small lifecycle file.
 * Never imports `electron`: the same object runs in the desktop app, the CLI and tests.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from './logger.ts';
import type { NodeState, NodeStatus, StopReason } from './node-status.ts';
import type { NodeService } from './service.ts';
import { writeFileAtomic } from './storage/atomic-file.ts';

export const NodeErrorCode = {
  /** A service failed to start; `data.service` names it. The node is left stopped. */
  SERVICE_START_FAILED: 'NODE_SERVICE_START_FAILED',
} as const;

const LifecycleSchema = z.object({
  /** Whether the node should run when the app starts; false only after the user stopped it. */
  wantRunning: z.boolean(),
  /** True while running; still true at the next start means the last run ended in a crash. */
  running: z.boolean(),
  lastStop: z.object({ reason: z.enum(['user', 'shutdown', 'crash']), at: z.string() }).nullable(),
});
type Lifecycle = z.infer<typeof LifecycleSchema>;

export interface NoesisNodeOptions {
  dataDir: string;
  logger: Logger;
  services?: NodeService[];
}

export class NoesisNode extends EventEmitter<{ status: [NodeStatus] }> {
  readonly dataDir: string;
  private readonly log: Logger;
  private readonly services: NodeService[];
  private readonly lifecycleFile: string;
  private state: NodeState = 'stopped';
  private since = new Date().toISOString();
  private startedAt: string | null = null;
  private lastStop: NodeStatus['lastStop'] = null;
  private error: NodeStatus['error'] = null;
  private serviceStates = new Map<string, NodeState>();
  private abort: AbortController | null = null;
  private lifecycle: Lifecycle = { wantRunning: true, running: false, lastStop: null };
  /** Start and stop are serialized: a stop during a start waits for the start to settle. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: NoesisNodeOptions) {
    super();
    this.dataDir = options.dataDir;
    this.log = options.logger.child({ module: 'node' });
    this.services = options.services ?? [];
    this.lifecycleFile = path.join(options.dataDir, 'lifecycle.json');
    for (const service of this.services) this.serviceStates.set(service.name, 'stopped');
  }

  /** Reads the lifecycle file; a run that never recorded its stop is remembered as a crash. */
  async load(): Promise<void> {
    try {
      const raw: unknown = JSON.parse(await readFile(this.lifecycleFile, 'utf8'));
      const parsed = LifecycleSchema.safeParse(raw);
      if (parsed.success) this.lifecycle = parsed.data;
      else this.log.warn({ file: this.lifecycleFile }, 'lifecycle file unreadable, using defaults');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (this.lifecycle.running) {
      this.lifecycle.lastStop = { reason: 'crash', at: new Date().toISOString() };
      this.lifecycle.running = false;
      this.log.warn('the previous run ended without an orderly stop');
    }
    this.lastStop = this.lifecycle.lastStop;
  }

  /** Whether the app should start the node now: configured to, and not stopped by the user. */
  shouldAutoStart(autoStart: boolean): boolean {
    return autoStart && this.lifecycle.wantRunning;
  }

  status(): NodeStatus {
    return {
      state: this.state,
      since: this.since,
      startedAt: this.startedAt,
      lastStop: this.lastStop,
      error: this.error,
      services: this.services.map((service) => ({
        name: service.name,
        state: this.serviceStates.get(service.name) ?? 'stopped',
        detail: service.detail?.() ?? null,
      })),
    };
  }

  start(): Promise<NodeStatus> {
    return this.enqueue(() => this.doStart());
  }

  stop(reason: StopReason): Promise<NodeStatus> {
    return this.enqueue(() => this.doStop(reason));
  }

  private enqueue(step: () => Promise<NodeStatus>): Promise<NodeStatus> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private setState(state: NodeState): void {
    this.state = state;
    this.since = new Date().toISOString();
    this.emit('status', this.status());
  }

  private setServiceState(name: string, state: NodeState): void {
    this.serviceStates.set(name, state);
    this.emit('status', this.status());
  }

  private async doStart(): Promise<NodeStatus> {
    if (this.state === 'running') return this.status();
    this.error = null;
    this.setState('starting');
    this.log.info('node starting');
    this.abort = new AbortController();
    const started: NodeService[] = [];
    for (const service of this.services) {
      this.setServiceState(service.name, 'starting');
      try {
        await service.start(this.abort.signal);
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause);
        this.log.error({ service: service.name, err: message }, 'service failed to start');
        this.setServiceState(service.name, 'error');
        for (const done of started.reverse()) await this.stopService(done);
        this.error = {
          code: NodeErrorCode.SERVICE_START_FAILED,
          message: `${service.name} failed to start: ${message}`,
        };
        this.setState('error');
        return this.status();
      }
      started.push(service);
      this.setServiceState(service.name, 'running');
    }
    this.startedAt = new Date().toISOString();
    await this.saveLifecycle({ wantRunning: true, running: true, lastStop: this.lastStop });
    this.setState('running');
    this.log.info('node running');
    return this.status();
  }

  private async doStop(reason: StopReason): Promise<NodeStatus> {
    if (this.state === 'stopped' || this.state === 'error') {
      if (reason === 'user' && this.lifecycle.wantRunning) {
        await this.saveLifecycle({ ...this.lifecycle, wantRunning: false });
      }
      return this.status();
    }
    this.setState('stopping');
    this.log.info({ reason }, 'node stopping');
    this.abort?.abort();
    for (const service of [...this.services].reverse()) await this.stopService(service);
    this.startedAt = null;
    this.lastStop = { reason, at: new Date().toISOString() };
    // Only the user's own stop keeps the node stopped across restarts.
    await this.saveLifecycle({
      wantRunning: reason !== 'user',
      running: false,
      lastStop: this.lastStop,
    });
    this.setState('stopped');
    this.log.info({ reason }, 'node stopped');
    return this.status();
  }

  private async stopService(service: NodeService): Promise<void> {
    if (this.serviceStates.get(service.name) === 'stopped') return;
    this.setServiceState(service.name, 'stopping');
    try {
      await service.stop();
    } catch (cause) {
      this.log.error(
        { service: service.name, err: cause instanceof Error ? cause.message : String(cause) },
        'service failed to stop cleanly',
      );
    }
    this.setServiceState(service.name, 'stopped');
  }

  private async saveLifecycle(next: Lifecycle): Promise<void> {
    this.lifecycle = next;
    await writeFileAtomic(this.lifecycleFile, JSON.stringify(next) + '\n');
  }
}
