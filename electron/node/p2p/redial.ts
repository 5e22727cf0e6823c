/**
 * When the node has no peer left it re-dials its bootstrap peers, with exponential backoff and
 * jitter (base, 2·base, 4·base … capped), until one connection is up again. A new connection
 * resets the backoff. Pure scheduling around two injected functions, so tests drive it directly.
 */

export interface RedialerOptions {
  /** Bootstrap multiaddrs to dial. */
  addresses: readonly string[];
  /** Dials one address; rejects on failure. */
  dial(address: string, signal: AbortSignal): Promise<unknown>;
  /** Current number of connected peers. */
  peerCount(): number;
  /** First retry delay (default 1 s). */
  baseMs?: number;
  /** Longest delay (default 60 s). */
  maxMs?: number;
  /** ± share of random jitter (default 0.2). */
  jitter?: number;
  random?: () => number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export class BootstrapRedialer {
  private readonly options: RedialerOptions;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private abort = new AbortController();
  private stopped = true;
  /** Dial rounds made since start, for tests and the status view. */
  rounds = 0;

  constructor(options: RedialerOptions) {
    this.options = options;
    this.baseMs = options.baseMs ?? 1_000;
    this.maxMs = options.maxMs ?? 60_000;
  }

  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort(new Error('redialer stopped'));
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Delay before the next round (grows with each fruitless round). */
  nextDelay(): number {
    const raw = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    const jitter = this.options.jitter ?? 0.2;
    const r = (this.options.random ?? Math.random)();
    return Math.max(0, Math.round(raw * (1 + jitter * (2 * r - 1))));
  }

  /** A peer connected: back to the shortest delay, nothing scheduled. */
  onConnected(): void {
    this.attempt = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A peer disconnected: if none is left, schedule a round. */
  onDisconnected(): void {
    if (this.options.peerCount() === 0) this.schedule();
  }

  get scheduled(): boolean {
    return this.timer !== null;
  }

  private schedule(): void {
    if (this.stopped || this.timer !== null || this.options.addresses.length === 0) return;
    const delay = this.nextDelay();
    this.options.log?.('p2p: no peers left, re-dialing bootstrap peers', { delayMs: delay });
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.round();
    }, delay);
  }

  private async round(): Promise<void> {
    if (this.stopped || this.options.peerCount() > 0) return;
    this.rounds++;
    this.attempt++;
    await Promise.allSettled(
      this.options.addresses.map((a) => this.options.dial(a, this.abort.signal)),
    );
    if (!this.stopped && this.options.peerCount() === 0) this.schedule();
  }
}
