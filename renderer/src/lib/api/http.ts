/**
 * Web mode: `POST /api/<method>` with the access token as a Bearer header, events over a
 * WebSocket at `/api/events?token=…`. The token arrives once in the page address
 * (`/?token=…`); it is kept in sessionStorage (this tab only) and removed from the address bar so
 * it does not end up in history, bookmarks or screenshots. The WebSocket reconnects with
 * exponential backoff and jitter; every state change is reported so the UI can say when the
 * link is lost instead of showing stale numbers as if they were live.
 */
import {
  ApiError,
  ClientErrorCode,
  type ConnectionState,
  type RawEvent,
  type Transport,
} from './transport.ts';

const TOKEN_KEY = 'noesis.token';
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/** Reads `?token=` once, stores it for this tab and strips it from the address bar. */
export function takeAccessToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then lives only in memory for this page.
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export interface HttpTransportOptions {
  /** Origin of the node, e.g. `http://127.0.0.1:7420`. */
  origin: string;
  token: string | null;
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const eventListeners = new Set<(event: RawEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'connecting';
  let socket: WebSocket | null = null;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let started = false;

  function setConnection(next: ConnectionState): void {
    if (next === connection) return;
    connection = next;
    for (const listener of connectionListeners) listener(next);
  }

  function scheduleReconnect(): void {
    if (retryTimer !== null) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open();
    }, delay);
  }

  function open(): void {
    if (!options.token) {
      setConnection('lost');
      return;
    }
    const wsOrigin = options.origin.replace(/^http/, 'ws');
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${wsOrigin}/api/events?token=${encodeURIComponent(options.token)}`);
    } catch {
      setConnection('lost');
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      attempt = 0;
      setConnection('open');
    });
    ws.addEventListener('message', (message: MessageEvent) => {
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (typeof parsed !== 'object' || parsed === null) return;
      const { event, data } = parsed as { event?: unknown; data?: unknown };
      if (typeof event !== 'string') return;
      for (const listener of eventListeners) listener({ event, data });
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
      setConnection('lost');
      scheduleReconnect();
    });
    // An error is always followed by a close; the close handler does the work.
  }

  // A computer waking from sleep or a network coming back: try at once instead of waiting.
  function retryNow(): void {
    if (connection !== 'lost' || socket !== null) return;
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    attempt = 0;
    open();
  }

  return {
    kind: 'http',
    get connection() {
      return connection;
    },
    async call(method, input) {
      if (!options.token) {
        throw new ApiError(ClientErrorCode.NO_TOKEN, 'no access token');
      }
      let res: Response;
      try {
        res = await fetch(`${options.origin}/api/${method}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(input ?? {}),
          cache: 'no-store',
        });
      } catch (error) {
        throw new ApiError(
          ClientErrorCode.UNREACHABLE,
          error instanceof Error ? error.message : String(error),
        );
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError(
          ClientErrorCode.BAD_RESPONSE,
          `HTTP ${res.status} without JSON`,
          {},
          res.status,
        );
      }
      if (!res.ok) {
        const error = (body as { error?: { code?: unknown; message?: unknown; data?: unknown } })
          ?.error;
        throw new ApiError(
          typeof error?.code === 'string' ? error.code : ClientErrorCode.BAD_RESPONSE,
          typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`,
          typeof error?.data === 'object' && error.data !== null
            ? (error.data as Record<string, unknown>)
            : {},
          res.status,
        );
      }
      return body;
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    connect() {
      if (started) return;
      started = true;
      window.addEventListener('online', retryNow);
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') retryNow();
      });
      open();
    },
  };
}
