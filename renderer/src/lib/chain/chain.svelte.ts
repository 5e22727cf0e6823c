/**
 * The chain as the whole UI sees it: its status (state, height, last block), kept live by the
 * `chain.block` event and fetched again when the event link comes back. Pages read `chain.status`
 * and `chain.tip` (bumped on every new block) to refetch what depends on the latest block.
 */
import { api, toApiError, type ApiError, type MethodResult } from '../api/index.ts';
import { locale } from '../i18n/index.svelte.ts';
import { DEFAULT_FEE_RAO, formatTao, type TaoStyle } from './amount.ts';

export type ChainStatus = MethodResult<'chain.status'>;
export type BalanceView = MethodResult<'chain.balance'>;
export type TxView = MethodResult<'chain.tx'>;
export type BlockView = MethodResult<'chain.block'>;
export type BlockRow = MethodResult<'chain.blocks'>[number];
export type MetagraphView = MethodResult<'chain.metagraph'>;

const store = $state<{ status: ChainStatus | null; error: ApiError | null; tip: number }>({
  status: null,
  error: null,
  tip: 0,
});

let started = false;

export async function refreshChainStatus(): Promise<void> {
  try {
    store.status = await api.call('chain.status');
    store.error = null;
    store.tip = Math.max(store.tip, store.status.height);
  } catch (error) {
    store.error = toApiError(error);
  }
}

/** Subscribes once, for the life of the page. */
export function startChain(): void {
  if (started) return;
  started = true;
  api.on('chain.block', (block) => {
    store.tip = block.height;
    if (store.status) {
      store.status.height = block.height;
      store.status.lastBlockHash = block.hash;
      store.status.lastBlockTime = block.time;
      store.status.stateRoot = block.stateRoot;
      if (store.status.state !== 'running') void refreshChainStatus();
    } else {
      void refreshChainStatus();
    }
  });
  api.on('node.status', () => void refreshChainStatus());
  api.onConnection((state) => {
    if (state === 'open') void refreshChainStatus();
  });
  void refreshChainStatus();
}

export const chain = {
  get status(): ChainStatus | null {
    return store.status;
  },
  get error(): ApiError | null {
    return store.error;
  },
  /** Height of the newest block seen; reading it makes a reaction rerun on every block. */
  get tip(): number {
    return store.tip;
  },
  get running(): boolean {
    return store.status?.state === 'running';
  },
  /** The fee the UI offers and shows: the chain's own minimum once known (rao string). */
  get fee(): string {
    return store.status?.minFee ?? DEFAULT_FEE_RAO;
  },
};

const STYLES: Record<string, TaoStyle> = {
  en: { group: ',', decimal: '.' },
  fr: { group: '\u202f', decimal: ',' },
};

/** Rao → "1,000.5" (English) or "1 000,5" (French): exact, every digit kept. */
export function tao(rao: string | bigint): string {
  return formatTao(rao, STYLES[locale.current] ?? STYLES['en']!);
}

// A plain cache, not state: nothing re-renders from it directly.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const blockTimes = new Map<number, Promise<number | null>>();

/** The time of a block (ms since the epoch), fetched once per height. */
export function blockTime(height: number): Promise<number | null> {
  let known = blockTimes.get(height);
  if (!known) {
    known = api
      .call('chain.blocks', { before: height + 1, limit: 1 })
      .then((rows) => (rows[0]?.height === height ? rows[0].time : null))
      .catch(() => {
        blockTimes.delete(height);
        return null;
      });
    blockTimes.set(height, known);
  }
  return known;
}

/** Explorer links: `#/explorer/block/12`, `#/explorer/tx/<hash>`, `#/explorer/address/<ss58>`. */
export const explorerHref = {
  block: (height: number | string) => `#/explorer/block/${height}`,
  tx: (hash: string) => `#/explorer/tx/${hash}`,
  address: (address: string) => `#/explorer/address/${encodeURIComponent(address)}`,
};
