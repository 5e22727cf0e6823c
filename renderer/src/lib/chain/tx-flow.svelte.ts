/**
 * One money action from the form to the block: unlock if needed → the node asks the user to
 * approve (the confirmation dialog) → pending in the mempool (hash known) → included in a block.
 * Inclusion is watched with `chain.tx` on every new block, so "Pending…" never lies: it turns
 * into "included in block N" only when the chain says so.
 */
import { api, toApiError, type ApiError } from '../api/index.ts';
import type { TxView } from './chain.svelte.ts';

export type TxPhase = 'idle' | 'unlocking' | 'confirming' | 'pending' | 'included' | 'failed';

export class TxFlow {
  phase = $state<TxPhase>('idle');
  tx = $state<TxView | null>(null);
  error = $state<ApiError | null>(null);
  private stopWatching: (() => void) | null = null;
  private onIncluded: ((tx: TxView) => void) | null = null;

  get busy(): boolean {
    return this.phase === 'unlocking' || this.phase === 'confirming';
  }

  /** `unlock` runs first when given (the wallet was locked); `send` proposes the action. */
  async run(options: {
    unlock?: () => Promise<unknown>;
    send: () => Promise<TxView>;
    onIncluded?: (tx: TxView) => void;
  }): Promise<void> {
    if (this.busy) return;
    this.dispose();
    this.error = null;
    this.tx = null;
    this.onIncluded = options.onIncluded ?? null;
    try {
      if (options.unlock) {
        this.phase = 'unlocking';
        await options.unlock();
      }
      this.phase = 'confirming';
      const tx = await options.send();
      this.tx = tx;
      if (tx.status === 'included') this.included(tx);
      else {
        this.phase = 'pending';
        this.watch(tx.hash);
      }
    } catch (caught) {
      this.error = toApiError(caught);
      this.phase = 'failed';
    }
  }

  reset(): void {
    this.dispose();
    this.phase = 'idle';
    this.tx = null;
    this.error = null;
  }

  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }

  private included(tx: TxView): void {
    this.dispose();
    this.tx = tx;
    this.phase = 'included';
    this.onIncluded?.(tx);
  }

  private watch(hash: string): void {
    let checking = false;
    const check = async () => {
      if (checking || this.phase !== 'pending') return;
      checking = true;
      try {
        const found = await api.call('chain.tx', { hash });
        if (found.status === 'included' && this.tx?.hash === hash) this.included(found);
      } catch {
        // CHAIN_NOT_FOUND: still in the mempool; the next block tells again.
      } finally {
        checking = false;
      }
    };
    const off = api.on('chain.block', () => void check());
    // A slow event link must not leave "Pending…" forever: look every few seconds too.
    const timer = setInterval(() => void check(), 3000);
    this.stopWatching = () => {
      off();
      clearInterval(timer);
    };
    void check();
  }
}
