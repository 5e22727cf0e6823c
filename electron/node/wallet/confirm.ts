/**
 * The signing firewall: nothing is signed with a user's key until the user has seen the action,
 * decoded by the node itself into plain words, and approved it (Chia's "transaction firewall").
 *
 * A `SigningConfirmer` is asked before every signature of a money or voting action. Where it is
 * answered depends on the host:
 * - in the desktop app, Electron's main process shows a native dialog it owns, so a compromised
 *   renderer can propose an action but never approve it;
 * - in web mode, the `ConfirmationBroker` emits `confirm.request` to every connected UI and waits
 *   for `confirm.respond`; the browser page is the user's own trusted client there.
 * Trusted callers that already showed the action to the user (the `noesis` CLI, scripts holding
 * the access token) may pass `confirmed: true` over HTTP; that flag is ignored over IPC.
 */
import { randomUUID } from 'node:crypto';
import { NoesisError } from '../errors.ts';

export const SigningErrorCode = {
  /** The user rejected the action, or no one answered before the request expired. */
  REJECTED: 'WALLET_SIGNING_REJECTED',
  /** `confirm.respond` named a request that is not pending (already answered or expired). */
  UNKNOWN_REQUEST: 'WALLET_CONFIRM_UNKNOWN',
} as const;

export interface SigningLine {
  label: string;
  value: string;
}

/** What the user is asked to approve: the node's own decoding of the action. */
export interface SigningAction {
  wallet: string;
  /** Machine-readable kind: transfer, add_stake, remove_stake, vote, propose, ... */
  kind: string;
  title: string;
  lines: SigningLine[];
}

export interface SigningRequest extends SigningAction {
  id: string;
  /** ISO time after which the request counts as rejected. */
  expiresAt: string;
}

export interface SigningConfirmer {
  /** Resolves true when the user approved; false when rejected or expired. */
  confirm(action: SigningAction): Promise<boolean>;
}

/** Throws WALLET_SIGNING_REJECTED unless the action is pre-confirmed or the user approves it. */
export async function requireConfirmation(
  confirmer: SigningConfirmer,
  action: SigningAction,
  preconfirmed: boolean,
): Promise<void> {
  if (preconfirmed) return;
  if (!(await confirmer.confirm(action))) {
    throw new NoesisError(
      SigningErrorCode.REJECTED,
      `${action.title}: not approved, nothing was signed`,
      {
        wallet: action.wallet,
        kind: action.kind,
      },
    );
  }
}

interface Pending {
  request: SigningRequest;
  resolve: (approved: boolean) => void;
  timer: NodeJS.Timeout;
}

export interface BrokerEvents {
  request(request: SigningRequest): void;
  settled(settled: {
    id: string;
    approved: boolean;
    reason: 'approved' | 'rejected' | 'expired';
  }): void;
}

/** Asks connected UIs through events and waits for one of them to answer. */
export class ConfirmationBroker implements SigningConfirmer {
  private readonly pendingById = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly events: BrokerEvents;

  constructor(options: { timeoutMs?: number; events: BrokerEvents }) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.events = options.events;
  }

  confirm(action: SigningAction): Promise<boolean> {
    const request: SigningRequest = {
      ...action,
      id: randomUUID(),
      expiresAt: new Date(Date.now() + this.timeoutMs).toISOString(),
    };
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => this.settle(request.id, false, 'expired'), this.timeoutMs);
      timer.unref();
      this.pendingById.set(request.id, { request, resolve, timer });
      this.events.request(request);
    });
  }

  /** The answer of a UI; a request that is no longer pending is refused with a clear error. */
  respond(id: string, approve: boolean): void {
    if (!this.pendingById.has(id)) {
      throw new NoesisError(
        SigningErrorCode.UNKNOWN_REQUEST,
        'this confirmation is no longer pending (answered elsewhere or expired)',
        { id },
      );
    }
    this.settle(id, approve, approve ? 'approved' : 'rejected');
  }

  /** Requests still waiting, so a UI that connects late can show them. */
  pending(): SigningRequest[] {
    return [...this.pendingById.values()].map((entry) => entry.request);
  }

  /** Rejects everything still waiting (shutdown). */
  rejectAll(): void {
    for (const id of [...this.pendingById.keys()]) this.settle(id, false, 'rejected');
  }

  private settle(id: string, approved: boolean, reason: 'approved' | 'rejected' | 'expired'): void {
    const entry = this.pendingById.get(id);
    if (!entry) return;
    this.pendingById.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(approved);
    this.events.settled({ id, approved, reason });
  }
}
