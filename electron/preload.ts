/**
 * The only bridge between the renderer and the main process. It exposes exactly one object,
 * `window.noesis`, with `call(method, input)` and `onEvent(listener)`; no Electron or Node
 * object ever reaches the page (not ipcRenderer, not the IPC event, not `process`).
 *
 * `call` resolves with the method's result or rejects with a plain `{code, message, data}`
 * (the contract's error codes, e.g. API_BAD_INPUT with `data.field`), because Electron would
 * reduce a thrown Error to its message. Bundled to CommonJS: sandboxed preloads cannot be ESM.
 */
import { contextBridge, ipcRenderer } from 'electron';

// Kept in step with main-logic.ts; not imported, so the bundle holds nothing but this file.
const IPC_METHOD_PREFIX = 'noesis:';
const IPC_EVENT_CHANNEL = 'noesis:event';
const METHOD_NAME = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

export interface NoesisErrorPayload {
  code: string;
  message: string;
  data: Record<string, unknown>;
}

export interface NoesisEvent {
  event: string;
  data: unknown;
}

export interface NoesisBridge {
  call(method: string, input?: unknown): Promise<unknown>;
  onEvent(listener: (event: NoesisEvent) => void): () => void;
}

type Envelope = { ok: true; result: unknown } | { ok: false; error: NoesisErrorPayload };

function unknownMethod(method: unknown): NoesisErrorPayload {
  const name = String(method);
  return {
    code: 'API_UNKNOWN_METHOD',
    message: `unknown method "${name}"`,
    data: { method: name },
  };
}

export const bridge: NoesisBridge = {
  async call(method: string, input?: unknown): Promise<unknown> {
    if (typeof method !== 'string' || !METHOD_NAME.test(method)) throw unknownMethod(method);
    let envelope: Envelope;
    try {
      envelope = (await ipcRenderer.invoke(IPC_METHOD_PREFIX + method, input ?? {})) as Envelope;
    } catch (error) {
      // The main process answers every contract method with an envelope; a rejected invoke
      // means no handler is registered for the name.
      const message = error instanceof Error ? error.message : String(error);
      if (message.includes('No handler registered')) throw unknownMethod(method);
      throw { code: 'IPC_FAILED', message, data: { method } } satisfies NoesisErrorPayload;
    }
    if (envelope.ok) return envelope.result;
    throw {
      code: envelope.error.code,
      message: envelope.error.message,
      data: envelope.error.data,
    } satisfies NoesisErrorPayload;
  },

  onEvent(listener: (event: NoesisEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    const forward = (_ipcEvent: unknown, payload: NoesisEvent) =>
      listener({ event: payload.event, data: payload.data });
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('noesis', bridge);
