/**
 * The renderer's only way to talk to the node, typed from the API contract: method names, inputs,
 * results and event payloads all come from `electron/node/api/contract.ts` (types only, nothing
 * of the node is bundled). A method added to the contract is callable here with no change.
 */
import type {
  EventMap,
  EventName,
  MethodInput,
  MethodName,
  MethodResult,
} from '../../../../electron/node/api/contract.ts';
import type { ConnectionState, Transport } from './transport.ts';

export type { EventMap, EventName, MethodInput, MethodName, MethodResult };

/** Methods whose input may be empty can be called without one: `api.call('node.status')`. */
type InputArgs<M extends MethodName> =
  Record<string, never> extends MethodInput<M>
    ? [input?: MethodInput<M>]
    : object extends MethodInput<M>
      ? [input?: MethodInput<M>]
      : [input: MethodInput<M>];

export interface ApiClient {
  /** `ipc` inside Electron, `http` in a browser. */
  readonly transport: Transport['kind'];
  readonly connection: ConnectionState;
  call<M extends MethodName>(method: M, ...args: InputArgs<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (data: EventMap[E]) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export function createApiClient(transport: Transport): ApiClient {
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  transport.onEvent(({ event, data }) => {
    for (const listener of listeners.get(event) ?? []) listener(data);
  });
  transport.connect();
  return {
    transport: transport.kind,
    get connection() {
      return transport.connection;
    },
    async call(method, ...args) {
      return (await transport.call(method, args[0] ?? {})) as MethodResult<typeof method>;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const untyped = listener as (data: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    onConnection: (listener) => transport.onConnection(listener),
  };
}
