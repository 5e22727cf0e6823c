/**
 * The log lines the Logs page shows: the node's recent lines, then every `log` event, kept for
 * the life of the page (so leaving the Logs page loses nothing) and capped in memory.
 */
import { api, toApiError, type ApiError } from '../api/index.ts';
import type { EventMap } from '../api/client.ts';

export type LogLine = EventMap['log'];
export type LogLevel = LogLine['level'];

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const MAX_LINES = 2000;
const RECENT_LIMIT = 500;

const store = $state<{ lines: LogLine[]; loading: boolean; error: ApiError | null }>({
  lines: [],
  loading: true,
  error: null,
});

let nextId = 0;
const ids = new WeakMap<LogLine, number>();

/** A stable key for `{#each}`: lines have no id of their own. */
export function lineId(line: LogLine): number {
  let id = ids.get(line);
  if (id === undefined) ids.set(line, (id = nextId++));
  return id;
}

function sameLine(a: LogLine, b: LogLine): boolean {
  return a.time === b.time && a.msg === b.msg && a.level === b.level && a.module === b.module;
}

function append(line: LogLine): void {
  store.lines.push(line);
  if (store.lines.length > MAX_LINES) store.lines.splice(0, store.lines.length - MAX_LINES);
}

async function load(): Promise<void> {
  // Lines that arrive while `logs.recent` is in flight are held, then added if not in its answer.
  const early: LogLine[] = [];
  const holding = api.on('log', (line) => early.push(line));
  try {
    const recent = await api.call('logs.recent', { limit: RECENT_LIMIT });
    const tail = recent.slice(-50);
    store.lines = [...recent, ...early.filter((line) => !tail.some((r) => sameLine(r, line)))];
    store.error = null;
  } catch (error) {
    store.error = toApiError(error);
  } finally {
    holding();
    store.loading = false;
  }
}

let started = false;

export function startLogs(): void {
  if (started) return;
  started = true;
  let first = true;
  api.on('log', (line) => {
    if (!store.loading) append(line);
  });
  api.onConnection((state) => {
    // After a reconnect, lines sent while the link was down are fetched again.
    if (state === 'open' && !first) void load();
    first = false;
  });
  void load();
}

export const logs = {
  get lines(): LogLine[] {
    return store.lines;
  },
  get loading(): boolean {
    return store.loading;
  },
  get error(): ApiError | null {
    return store.error;
  },
};
