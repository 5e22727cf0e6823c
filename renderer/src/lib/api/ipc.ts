/**
 * Inside Electron the preload exposes `window.noesis` through contextBridge: one generic `call`
 * and one event subscription, nothing else. IPC cannot drop while the window lives, so the
 * connection is always open.
 */
import { toApiError, type ConnectionState, type RawEvent, type Transport } from './transport.ts';

export interface NoesisBridge {
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: (event: RawEvent) => void): () => void;
}

declare global {
  interface Window {
    noesis?: NoesisBridge;
  }
}

export function ipcBridge(): NoesisBridge | null {
  const bridge = typeof window === 'undefined' ? undefined : window.noesis;
  return bridge && typeof bridge.call === 'function' && typeof bridge.onEvent === 'function'
    ? bridge
    : null;
}

export function createIpcTransport(bridge: NoesisBridge): Transport {
  return {
    kind: 'ipc',
    connection: 'open' satisfies ConnectionState,
    async call(method, input) {
      try {
        return await bridge.call(method, input);
      } catch (error) {
        throw toApiError(error);
      }
    },
    onEvent: (listener) => bridge.onEvent(listener),
    onConnection: () => () => undefined,
    connect: () => undefined,
  };
}
