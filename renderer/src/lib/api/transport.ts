/**
 * What the typed client needs from a transport: call a method by name, receive events, and say
 * whether the link to the node is up. Two implementations: IPC through the Electron preload
 * (`ipc.ts`) and HTTP + WebSocket in web mode (`http.ts`). Neither knows any method by name; the
 * typing lives once, in `client.ts`, derived from the contract.
 */

/** An event as both transports deliver it: `{ event, data }`, exactly as the node publishes it. */
export interface RawEvent {
  event: string;
  data: unknown;
}

/**
 * `connecting`: first attempt under way. `open`: events flow. `lost`: the link dropped or could
 * not be made; the transport keeps retrying.
 */
export type ConnectionState = 'connecting' | 'open' | 'lost';

export interface Transport {
  readonly kind: 'ipc' | 'http';
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: (event: RawEvent) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  readonly connection: ConnectionState;
  /** Starts receiving events. Called once by the client. */
  connect(): void;
}

/** A failed call, with a code the UI maps to plain words through the message catalogue. */
export class ApiError extends Error {
  readonly code: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** HTTP status where there was one. */
  readonly status: number | null;

  constructor(
    code: string,
    message: string,
    data: Record<string, unknown> = {},
    status: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.data = data;
    this.status = status;
  }
}

/** Codes the client itself produces (the node's own codes come from the node). */
export const ClientErrorCode = {
  /** The node could not be reached at all (stopped, network down). */
  UNREACHABLE: 'CLIENT_UNREACHABLE',
  /** The node answered with something that is not the API's JSON. */
  BAD_RESPONSE: 'CLIENT_BAD_RESPONSE',
  /** Web mode without an access token in the address or the session. */
  NO_TOKEN: 'CLIENT_NO_TOKEN',
} as const;

/** Turns whatever a transport rejected with into an ApiError, keeping a code where one exists. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (typeof error === 'object' && error !== null) {
    const record = error as { code?: unknown; message?: unknown; data?: unknown };
    const message = typeof record.message === 'string' ? record.message : String(error);
    if (typeof record.code === 'string') {
      const data =
        typeof record.data === 'object' && record.data !== null
          ? (record.data as Record<string, unknown>)
          : {};
      return new ApiError(record.code, message, data);
    }
    // Electron's ipcRenderer.invoke flattens a thrown error into its message; the code, when the
    // main process put one there, is the NoesisError's `CODE: message` or `[CODE]` prefix.
    const match = /\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/.exec(message);
    if (match?.[1]) return new ApiError(match[1], message);
    return new ApiError('CLIENT_UNKNOWN', message);
  }
  return new ApiError('CLIENT_UNKNOWN', String(error));
}
