/**
 * Plain words for a failed wallet call. Most codes go through the catalogue's `errors.<CODE>`;
 * the few whose data says more (which word, which field) are spelled out here.
 */
import { errorText, t } from '../i18n/index.svelte.ts';

export const WALLET_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface WalletFailure {
  code: string;
  message?: string;
  data?: Readonly<Record<string, unknown>>;
}

export function walletErrorText(error: WalletFailure): string {
  const data = error.data ?? {};
  if (error.code === 'WALLET_BAD_MNEMONIC_WORD') {
    const suggestions = Array.isArray(data['suggestions']) ? data['suggestions'].join(', ') : '';
    return t(suggestions ? 'wallet.error.badWordSuggest' : 'wallet.error.badWord', {
      position: Number(data['position'] ?? Number(data['index'] ?? 0) + 1),
      word: String(data['word'] ?? ''),
      suggestions,
    });
  }
  if (error.code === 'API_BAD_INPUT') {
    const field = String(data['field'] ?? '');
    if (field === 'name' || field === 'newName' || field === 'hotkeyName') {
      return t('wallet.error.badName');
    }
    if (field === 'password' || field === 'newPassword') return t('wallet.error.badPassword');
    if (field === 'mnemonic') return t('wallet.error.badMnemonic');
  }
  return errorText(error);
}
