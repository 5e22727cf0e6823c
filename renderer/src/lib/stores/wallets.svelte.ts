/**
 * The wallets as the whole UI sees them (public data only): fetched with `wallet.list`, fetched
 * again when a wallet locks itself (`wallet.locked`), when the event link comes back, and after
 * each change the UI makes. `loaded` stays false until the first answer, so nothing is shown as
 * "no wallet" before the node has said so.
 */
import { api, toApiError, type ApiError } from '../api/index.ts';
import type { MethodResult } from '../api/client.ts';

export type WalletList = MethodResult<'wallet.list'>;
export type WalletInfo = WalletList['wallets'][number];
export type HotkeyInfo = WalletInfo['hotkeys'][number];
export type UnreadableWallet = WalletList['unreadable'][number];

const store = $state<{
  list: WalletList | null;
  loaded: boolean;
  loadError: ApiError | null;
}>({ list: null, loaded: false, loadError: null });

let started = false;

export async function refreshWallets(): Promise<void> {
  try {
    store.list = await api.call('wallet.list');
    store.loaded = true;
    store.loadError = null;
  } catch (error) {
    store.loadError = toApiError(error);
  }
}

/** Subscribes once, for the life of the page. */
export function startWallets(): void {
  if (started) return;
  started = true;
  api.on('wallet.locked', () => void refreshWallets());
  api.onConnection((state) => {
    if (state === 'open') void refreshWallets();
  });
  void refreshWallets();
}

export const wallets = {
  get list(): WalletList | null {
    return store.list;
  },
  get loaded(): boolean {
    return store.loaded;
  },
  get loadError(): ApiError | null {
    return store.loadError;
  },
  /** True once the node has answered and has no readable wallet. */
  get none(): boolean {
    return store.loaded && (store.list?.wallets.length ?? 0) === 0;
  },
};
