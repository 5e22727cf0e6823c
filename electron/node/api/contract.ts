/**
 * The one list of API methods and events. The IPC binding (electron/main.ts), the HTTP/WebSocket
 * binding (api/http.ts) and the renderer's client are all derived from it: adding a feature means
 * adding an entry in `methods/<domain>.ts`, spreading it here, and implementing it in the node's
 * handlers. Nothing else hand-writes a method name.
 */
import type { MethodSpec } from './define.ts';
import { appMethods } from './methods/app.ts';
import { nodeMethods } from './methods/node.ts';
import { modelsMethods } from './methods/models.ts';
import { walletMethods } from './methods/wallet.ts';
import { confirmMethods } from './methods/confirm.ts';
import { configMethods } from './methods/config.ts';
import type { SigningRequest } from '../wallet/confirm.ts';
import { chainMethods } from './methods/chain.ts';
import { earningsMethods } from './methods/earnings.ts';
import { govMethods } from './methods/gov.ts';
import { networkMethods } from './methods/network.ts';
import { rolesMethods, type RolesStatusView } from './methods/roles.ts';
import type { NetworkStatusView } from '../network/service.ts';
import type { BlockSummary } from '../chain/service.ts';
import type { NodeStatus } from '../node-status.ts';
import type { LogLine } from '../logger.ts';
import type { TokenEvent } from '../inference/models-service.ts';
import type { DownloadProgress, EngineStatus } from '../inference/types.ts';
import type { LockReason } from '../wallet/types.ts';

export const methods = {
  ...appMethods,
  ...nodeMethods,
  ...modelsMethods,
  ...walletMethods,
  ...chainMethods,
  ...earningsMethods,
  ...govMethods,
  ...networkMethods,
  ...rolesMethods,
  ...confirmMethods,
  ...configMethods,
};

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> =
  Methods[M] extends MethodSpec<infer I, unknown> ? I : never;
export type MethodResult<M extends MethodName> =
  Methods[M] extends MethodSpec<unknown, infer R> ? R : never;

export const methodNames = Object.keys(methods) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}

/** Events pushed from the node to every connected UI (IPC or WebSocket). */
export interface EventMap {
  'node.status': NodeStatus;
  log: LogLine;
  /** Progress of a model download (throttled), and every state change. */
  'models.download': DownloadProgress;
  /** Streamed text of a `models.complete` request, tagged with its requestId. */
  'models.token': TokenEvent;
  /** The engine's state changed: loaded, unloaded, crashed, restarted. */
  'models.engine': EngineStatus;
  /** A wallet locked itself (idle) or was locked; the UI drops its unlocked state. */
  'wallet.locked': { name: string; reason: LockReason };
  /** A new final block (height, hash, time, transaction count, state root). */
  'chain.block': BlockSummary;
  /** The network view's numbers (peers, sync, reachability), every few seconds while it runs. */
  'network.status': NetworkStatusView;
  /** The Mine and Validate roles changed state or figures (at least once per block while running). */
  'roles.status': RolesStatusView;
  /** The node waits for the user to approve or reject an action before signing it. */
  'confirm.request': SigningRequest;
  /** A signing request was answered (in any window) or expired. */
  'confirm.settled': { id: string; approved: boolean; reason: 'approved' | 'rejected' | 'expired' };
}
export type EventName = keyof EventMap;
export const eventNames: readonly EventName[] = [
  'node.status',
  'log',
  'wallet.locked',
  'models.download',
  'models.token',
  'models.engine',
  'chain.block',
  'network.status',
  'roles.status',
  'confirm.request',
  'confirm.settled',
];

export interface ApiEvent<E extends EventName = EventName> {
  event: E;
  data: EventMap[E];
}

/**
 * Who is calling. IPC calls come from the renderer, which may propose actions but never approve
 * a signature; HTTP calls come from a holder of the access token (the web UI, the CLI, scripts);
 * internal calls come from the node itself and tests.
 */
export interface CallContext {
  transport: 'ipc' | 'http' | 'internal';
}
export const INTERNAL_CALL: CallContext = { transport: 'internal' };

/** What the node implements: one async function per method. */
export type ApiHandlers = {
  [M in MethodName]: (input: MethodInput<M>, context?: CallContext) => Promise<MethodResult<M>>;
};
