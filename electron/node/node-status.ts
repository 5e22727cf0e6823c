/** The node's lifecycle as the UI and the CLI see it. Plain data, sent over the API as is. */
export type NodeState = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

/** Who stopped the node last: the user, an orderly shutdown of the app, or a crash. */
export type StopReason = 'user' | 'shutdown' | 'crash';

export interface ServiceStatus {
  name: string;
  state: NodeState;
  detail: string | null;
}

export interface NodeStatus {
  state: NodeState;
  /** ISO time of the last state change. */
  since: string;
  /** ISO time the node last reached `running`, null when stopped. */
  startedAt: string | null;
  lastStop: { reason: StopReason; at: string } | null;
  error: { code: string; message: string } | null;
  services: ServiceStatus[];
}
