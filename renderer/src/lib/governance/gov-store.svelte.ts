/**
 * Governance as the UI sees it: every proposal (`gov.list`, live tallies), the parameter table
 * (`gov.params`), and each wallet's voting power, lock and votes (`gov.voter`), fetched again on
 * every new block. Notices: a proposal a wallet of this user can vote on has opened, or is about
 * to close without its vote; each is shown once until dismissed (kept for the session).
 */
import { api, toApiError, type ApiError, type MethodResult } from '../api/index.ts';
import { wallets } from '../stores/wallets.svelte.ts';

export type ProposalView = MethodResult<'gov.list'>[number];
export type ProposalDetail = MethodResult<'gov.show'>;
export type GovParams = MethodResult<'gov.params'>;
export type GovParam = GovParams['params'][number];
export type VoterView = MethodResult<'gov.voter'>;

export interface GovNotice {
  key: string;
  kind: 'opened' | 'closing' | 'upgrade';
  proposal: number;
  title: string;
  blocksLeft: number;
  /** For 'upgrade': the version the network adopted and its activation block. */
  version?: string;
  activationHeight?: number;
}

const store = $state<{
  proposals: ProposalView[] | null;
  params: GovParams | null;
  voters: Record<string, VoterView>;
  error: ApiError | null;
  dismissed: string[];
  seen: number[] | null;
  opened: number[];
  appVersion: string | null;
}>({
  proposals: null,
  params: null,
  voters: {},
  error: null,
  dismissed: [],
  seen: null,
  opened: [],
  appVersion: null,
});

/** Compares "x.y.z" versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

let started = false;
let refreshing = false;
let again = false;

/** A proposal counts as closing when this few blocks are left (or a tenth of its period). */
export function closingWindow(p: ProposalView): number {
  return Math.max(5, Math.floor((p.endHeight - p.createdAt) / 10));
}

export async function refreshGovernance(): Promise<void> {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    const [proposals, params] = await Promise.all([api.call('gov.list'), api.call('gov.params')]);
    store.appVersion ??= (await api.call('app.info')).version;
    const voters: Record<string, VoterView> = {};
    for (const w of wallets.list?.wallets ?? []) {
      voters[w.name] = await api.call('gov.voter', { address: w.coldkey.address });
    }
    // Proposals that opened while the page was open (the first answer only records what exists).
    const active = proposals.filter((p) => p.status === 'active').map((p) => p.id);
    if (store.seen === null) store.seen = active;
    else {
      const fresh = active.filter((id) => !store.seen!.includes(id));
      store.opened = [...store.opened, ...fresh];
      store.seen = [...store.seen, ...fresh];
    }
    store.proposals = proposals;
    store.params = params;
    store.voters = voters;
    store.error = null;
  } catch (error) {
    store.error = toApiError(error);
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      void refreshGovernance();
    }
  }
}

/** Subscribes once, for the life of the page. */
export function startGovernance(): void {
  if (started) return;
  started = true;
  api.on('chain.block', () => void refreshGovernance());
  api.onConnection((state) => {
    if (state === 'open') void refreshGovernance();
  });
  void refreshGovernance();
}

export function dismissNotice(key: string): void {
  store.dismissed = [...store.dismissed, key];
}

export const gov = {
  get proposals(): ProposalView[] | null {
    return store.proposals;
  },
  get params(): GovParams | null {
    return store.params;
  },
  get voters(): Record<string, VoterView> {
    return store.voters;
  },
  get error(): ApiError | null {
    return store.error;
  },
  get appVersion(): string | null {
    return store.appVersion;
  },
  /** Open proposals some wallet of the user can vote on and has not, that opened or are closing. */
  get notices(): GovNotice[] {
    const out: GovNotice[] = [];
    const mine = store.appVersion;
    for (const p of store.proposals ?? []) {
      // A passed upgrade to a newer version than this node's: shown until the node is updated.
      if (p.upgrade === null || mine === null) continue;
      if (p.status !== 'passed' && p.status !== 'enacted') continue;
      if (compareVersions(p.upgrade.version, mine) <= 0) continue;
      out.push({
        key: `upgrade:${p.id}`,
        kind: 'upgrade',
        proposal: p.id,
        title: p.title,
        blocksLeft: 0,
        version: p.upgrade.version,
        activationHeight: p.upgrade.activationHeight,
      });
    }
    const canVote = Object.values(store.voters).flatMap((v) => v.canVote);
    for (const p of store.proposals ?? []) {
      if (p.status !== 'active' || !canVote.includes(p.id)) continue;
      const closing = p.blocksLeft <= closingWindow(p);
      const kind = closing ? 'closing' : store.opened.includes(p.id) ? 'opened' : null;
      if (kind === null) continue;
      const key = `${kind}:${p.id}`;
      if (store.dismissed.includes(key)) continue;
      out.push({ key, kind, proposal: p.id, title: p.title, blocksLeft: p.blocksLeft });
    }
    return out;
  },
};
