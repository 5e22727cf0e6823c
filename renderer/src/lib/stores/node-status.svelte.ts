/**
 * The node's status as the whole UI sees it: fetched with `node.status`, then kept current by
 * `node.status` events, and fetched again each time the event link comes back (events sent while
 * it was down are lost). Start and stop go through here so every page sees the same transition.
 */
import { api, toApiError, type ApiError } from '../api/index.ts';
import type { MethodResult } from '../api/client.ts';

export type NodeStatus = MethodResult<'node.status'>;
export type NodeAction = 'start' | 'stop';

const store = $state<{
  status: NodeStatus | null;
  /** When the status was last confirmed by the node (ms since epoch). */
  receivedAt: number | null;
  pending: NodeAction | null;
  actionError: { action: NodeAction; error: ApiError } | null;
  loadError: ApiError | null;
}>({ status: null, receivedAt: null, pending: null, actionError: null, loadError: null });

function accept(next: NodeStatus): void {
  // A reply can arrive after a newer event; keep the newest state change.
  const current = store.status;
  if (current && Date.parse(next.since) < Date.parse(current.since)) return;
  store.status = next;
  store.receivedAt = Date.now();
}

async function refresh(): Promise<void> {
  try {
    accept(await api.call('node.status'));
    store.loadError = null;
  } catch (error) {
    store.loadError = toApiError(error);
  }
}

async function run(action: NodeAction): Promise<void> {
  if (store.pending) return;
  store.pending = action;
  store.actionError = null;
  try {
    accept(await api.call(action === 'start' ? 'node.start' : 'node.stop'));
  } catch (error) {
    store.actionError = { action, error: toApiError(error) };
  } finally {
    store.pending = null;
  }
}

let started = false;

/** Subscribes once, for the life of the page. */
export function startNodeStatus(): void {
  if (started) return;
  started = true;
  api.on('node.status', accept);
  api.onConnection((state) => {
    if (state === 'open') void refresh();
  });
  void refresh();
}

export const nodeStatus = {
  get status(): NodeStatus | null {
    return store.status;
  },
  get receivedAt(): number | null {
    return store.receivedAt;
  },
  get pending(): NodeAction | null {
    return store.pending;
  },
  get actionError() {
    return store.actionError;
  },
  get loadError(): ApiError | null {
    return store.loadError;
  },
  start: () => run('start'),
  stop: () => run('stop'),
  refresh,
};
