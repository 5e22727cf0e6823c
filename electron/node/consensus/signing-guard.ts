/**
 * The double-sign guard: before any proposal or vote leaves the node, the last signed
 * (height, round, step), the message itself and the lock are made durable (written to a
 * temporary file, fsync'd, renamed, folder fsync'd: storage/atomic-file.ts). A node killed at any
 * instant and restarted therefore knows what it signed last, and the guard refuses to sign a
 * different message at the same or an earlier (height, round, step): CometBFT's privval CheckHRS.
 * Asking again for exactly the message it signed is allowed (resend after a crash). The guard
 * also keeps every message signed at the current height (at most MAX_SIGNED_KEPT), so a node
 * restarted mid-height resends them: it may not sign them again, and the copies sent before the
 * crash may all have been lost (CometBFT replays its consensus WAL for the same reason).
 *
 * A file that exists but cannot be read back is an error that halts the validator: wiping it
 * would silently drop the protection (the REI pitfall in research §5).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import type { LockState, RestoredSigning } from './machine.ts';
import { isWellFormed, STEP_ORDER, stepOf, type ConsensusMessage } from './messages.ts';

export type SignDecision =
  | { readonly ok: true; readonly resend: boolean }
  | { readonly ok: false; readonly reason: 'regression' | 'conflict' };

function sameContent(a: ConsensusMessage, b: ConsensusMessage): boolean {
  if (a.type !== b.type || a.blockHash !== b.blockHash) return false;
  return a.type !== 'proposal' || (b.type === 'proposal' && a.polRound === b.polRound);
}

/** The rule, pure: may `candidate` be signed after `last`? */
export function checkSign(
  last: ConsensusMessage | null,
  candidate: ConsensusMessage,
): SignDecision {
  if (last === null) return { ok: true, resend: false };
  const c =
    candidate.height !== last.height
      ? candidate.height - last.height
      : candidate.round !== last.round
        ? candidate.round - last.round
        : STEP_ORDER[stepOf(candidate)] - STEP_ORDER[stepOf(last)];
  if (c > 0) return { ok: true, resend: false };
  if (c < 0) return { ok: false, reason: 'regression' };
  return sameContent(last, candidate)
    ? { ok: true, resend: true }
    : { ok: false, reason: 'conflict' };
}

const FILE_VERSION = 1;
export const MAX_SIGNED_KEPT = 300;

function record(
  prev: RestoredSigning | null,
  message: ConsensusMessage,
  lock: LockState,
): RestoredSigning {
  const earlier = prev !== null && prev.height === message.height ? prev.signed : [];
  return {
    height: message.height,
    lastSigned: message,
    lock,
    signed: [...earlier, message].slice(-MAX_SIGNED_KEPT),
  };
}

export class SigningGuardError extends Error {
  readonly code = 'SIGNING_STATE_UNREADABLE';
}

function isLock(v: unknown): v is LockState {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  const hexOrNull = (x: unknown) =>
    x === null || (typeof x === 'string' && /^[0-9a-f]{64}$/.test(x));
  return (
    Number.isSafeInteger(l.lockedRound) &&
    Number.isSafeInteger(l.validRound) &&
    hexOrNull(l.lockedValue) &&
    hexOrNull(l.validValue)
  );
}

function parse(text: string): RestoredSigning {
  const v = JSON.parse(text) as Record<string, unknown>;
  if (v.version !== FILE_VERSION) throw new Error(`unknown version ${String(v.version)}`);
  if (!isWellFormed(v.lastSigned)) throw new Error('lastSigned is not a consensus message');
  if (!isLock(v.lock)) throw new Error('lock is malformed');
  const height = v.lastSigned.height;
  if (!Array.isArray(v.signed) || !v.signed.every((m) => isWellFormed(m) && m.height === height)) {
    throw new Error('signed is malformed');
  }
  return { height, lastSigned: v.lastSigned, lock: v.lock, signed: v.signed };
}

/** Same rules in memory (simulations, tests, a node that signs nothing durable). */
export class MemorySigningGuard {
  protected last: RestoredSigning | null = null;

  constructor(initial: RestoredSigning | null = null) {
    this.last = initial;
  }

  /** What to hand the machine's new-height after a restart. */
  snapshot(): RestoredSigning | null {
    return this.last;
  }

  authorizeSync(message: ConsensusMessage, lock: LockState): SignDecision {
    const d = checkSign(this.last?.lastSigned ?? null, message);
    if (d.ok && !d.resend) this.last = record(this.last, message, lock);
    return d;
  }
}

/** The durable guard: one JSON file, replaced atomically on every signature. */
export class SigningGuard {
  private last: RestoredSigning | null;
  private queue: Promise<unknown> = Promise.resolve();
  readonly file: string;

  private constructor(file: string, last: RestoredSigning | null) {
    this.file = file;
    this.last = last;
  }

  /** Loads the file; absent means "never signed"; unreadable throws SigningGuardError. */
  static async open(file: string): Promise<SigningGuard> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new SigningGuard(file, null);
      throw error;
    }
    try {
      return new SigningGuard(file, parse(text));
    } catch (error) {
      throw new SigningGuardError(
        `signing state ${file} is unreadable (${(error as Error).message}); refusing to sign. ` +
          'Restore it, or remove it only if this key has signed nothing since.',
      );
    }
  }

  snapshot(): RestoredSigning | null {
    return this.last;
  }

  lastSignedHeight(): number {
    return this.last?.height ?? 0;
  }

  /**
   * Permission to release `message`: resolves only after {message, lock} is durable. Calls are
   * serialized, so two concurrent requests cannot both pass the check.
   */
  authorize(message: ConsensusMessage, lock: LockState): Promise<SignDecision> {
    const run = this.queue.then(async (): Promise<SignDecision> => {
      const d = checkSign(this.last?.lastSigned ?? null, message);
      if (!d.ok || d.resend) return d;
      const next = record(this.last, message, lock);
      await writeFileAtomic(
        this.file,
        JSON.stringify({ version: FILE_VERSION, lastSigned: message, lock, signed: next.signed }) +
          '\n',
        { mode: 0o600 },
      );
      this.last = next;
      return d;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
