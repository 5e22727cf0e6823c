/**
 * The Mine and Validate roles as the UI sees them: fetched with `roles.status`, kept current by
 * the `roles.status` event (sent at least once per block while a role runs), and asked again
 * when the node starts or stops, when the event link comes back, and every few seconds while a
 * page shows them (a stopped role sends no events, but its reasons can still change: a wallet
 * unlocked, a model downloaded). Start and stop go through here so both cards see one state.
 */
import { api, toApiError, type ApiError, type EventMap } from '../api/index.ts';
import type { MethodInput } from '../api/client.ts';
import { refreshWallets } from '../stores/wallets.svelte.ts';
import { isReasonCode } from './reasons.ts';

export type RolesStatus = EventMap['roles.status'];
export type MinerStatus = RolesStatus['miner'];
export type ValidatorStatus = RolesStatus['validator'];
export type RoleReason = MinerStatus['reasons'][number];
export type RoleReasonCode = RoleReason['code'];
export type RoleStanding = NonNullable<MinerStatus['standing']>;
export type ValidatorMiner = ValidatorStatus['figures']['miners'][number];
export type RoleName = 'miner' | 'validator';
export type RoleAction = 'start' | 'stop';
export type RoleStartInput = MethodInput<'roles.mine.start'>;

/** A subnet a role can run on; `taskType` null while the chain cannot list them. */
export interface SubnetChoice {
  netuid: number;
  taskType: string | null;
  /** What registering burns, rao decimal string (null when unknown). */
  burn: string | null;
  /** The catalogue id of the model the subnet names (null: none, or not known yet). */
  catalogId: string | null;
}

const POLL_MS = 5_000;

const store = $state<{
  status: RolesStatus | null;
  loadError: ApiError | null;
  pending: Record<RoleName, RoleAction | null>;
  actionError: Record<RoleName, { action: RoleAction; error: ApiError } | null>;
}>({
  status: null,
  loadError: null,
  pending: { miner: null, validator: null },
  actionError: { miner: null, validator: null },
});

async function refresh(): Promise<void> {
  try {
    store.status = await api.call('roles.status');
    store.loadError = null;
  } catch (error) {
    store.loadError = toApiError(error);
  }
}

async function run(role: RoleName, action: RoleAction, input?: RoleStartInput): Promise<void> {
  if (store.pending[role]) return;
  store.pending[role] = action;
  store.actionError[role] = null;
  try {
    // Starting to mine may wait on the user's answer in the node's own confirmation window
    // (the registration burn); the call simply stays pending until then.
    store.status =
      role === 'miner'
        ? action === 'start'
          ? await api.call('roles.mine.start', input ?? {})
          : await api.call('roles.mine.stop')
        : action === 'start'
          ? await api.call('roles.validate.start', input ?? {})
          : await api.call('roles.validate.stop');
  } catch (error) {
    store.actionError[role] = { action, error: toApiError(error) };
    void refresh();
    // A start can fail on a wallet locked (or unlocked) since the chooser last read the list.
    void refreshWallets();
  } finally {
    store.pending[role] = null;
  }
}

let started = false;
let watchers = 0;
let poll: ReturnType<typeof setInterval> | null = null;

/**
 * Subscribes once for the life of the page, and polls while at least one view watches; returns
 * the function that ends this view's watch (use it as an effect's cleanup).
 */
export function watchRoles(): () => void {
  if (!started) {
    started = true;
    api.on('roles.status', (status) => {
      store.status = status;
      store.loadError = null;
    });
    api.on('node.status', () => void refresh());
    api.onConnection((state) => {
      if (state === 'open') void refresh();
    });
  }
  watchers += 1;
  poll ??= setInterval(() => void refresh(), POLL_MS);
  void refresh();
  return () => {
    watchers -= 1;
    if (watchers === 0 && poll !== null) {
      clearInterval(poll);
      poll = null;
    }
  };
}

export const roles = {
  get status(): RolesStatus | null {
    return store.status;
  },
  get loadError(): ApiError | null {
    return store.loadError;
  },
  pending(role: RoleName): RoleAction | null {
    return store.pending[role];
  },
  actionError(role: RoleName): { action: RoleAction; error: ApiError } | null {
    return store.actionError[role];
  },
  clearError(role: RoleName): void {
    store.actionError[role] = null;
  },
  refresh,
  startMining: (input: RoleStartInput) => run('miner', 'start', input),
  stopMining: () => run('miner', 'stop'),
  startValidating: (input: RoleStartInput) => run('validator', 'start', input),
  stopValidating: () => run('validator', 'stop'),
};

/**
 * A failed start names its reason in the error code (`ROLE_MODEL_MISSING`): shown as that
 * reason, with its call to action, rather than as a bare error.
 */
export function reasonOfError(error: ApiError): RoleReason | null {
  const code = /^ROLE_([A-Z_]+)$/.exec(error.code)?.[1];
  return code !== undefined && isReasonCode(code) ? { code, message: error.message } : null;
}
