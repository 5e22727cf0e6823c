/**
 * One part of a running node (chain, network, inference, roles). The node starts its services in
 * order and stops them in reverse; each owns its resources and releases them in `stop`.
 */
export interface NodeService {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** A short live detail for the status view (e.g. "height 42"), or null. */
  detail?(): string | null;
}
