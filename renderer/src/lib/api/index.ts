/**
 * The one API client of the app, on the transport chosen at start-up: IPC when the Electron
 * preload exposed `window.noesis`, otherwise HTTP + WebSocket to the page's own origin with the
 * access token from the address (`?token=`) or this tab's session.
 */
import { createApiClient, type ApiClient } from './client.ts';
import { createHttpTransport, takeAccessToken } from './http.ts';
import { createIpcTransport, ipcBridge } from './ipc.ts';
import type { Transport } from './transport.ts';

export { ApiError, ClientErrorCode, toApiError } from './transport.ts';
export type { ConnectionState } from './transport.ts';
export type { ApiClient, EventMap, EventName, MethodName, MethodResult } from './client.ts';

function chooseTransport(): { transport: Transport; tokenMissing: boolean } {
  const bridge = ipcBridge();
  if (bridge) return { transport: createIpcTransport(bridge), tokenMissing: false };
  const token = takeAccessToken();
  return {
    transport: createHttpTransport({ origin: window.location.origin, token }),
    tokenMissing: token === null,
  };
}

const chosen = chooseTransport();

export const api: ApiClient = createApiClient(chosen.transport);

/** Web mode opened without the access token: nothing can work until the right link is used. */
export const accessTokenMissing: boolean = chosen.tokenMissing;
