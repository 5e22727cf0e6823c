/** The wallet's part of the API: thin calls into WalletService, input already validated. */
import type { ApiHandlers } from '../api/contract.ts';
import type { MnemonicCheck } from '../api/methods/wallet.ts';
import { isNoesisError } from '../errors.ts';
import { WalletErrorCode } from './errors.ts';
import { isMnemonicWord, normalizeMnemonic, suggestWords } from './keys.ts';
import type { WalletService } from './service.ts';

type WalletMethod = Extract<keyof ApiHandlers, `wallet.${string}`>;

export function checkMnemonic(input: string): MnemonicCheck {
  const words = input.normalize('NFKD').toLowerCase().trim().split(/\s+/u).filter(Boolean);
  const badWords = words.flatMap((word, index) =>
    isMnemonicWord(word) ? [] : [{ index, word, suggestions: suggestWords(word) }],
  );
  let valid = false;
  let checksumFailed = false;
  if (badWords.length === 0 && (words.length === 12 || words.length === 24)) {
    try {
      normalizeMnemonic(words.join(' '));
      valid = true;
    } catch (error) {
      checksumFailed = isNoesisError(error, WalletErrorCode.BAD_MNEMONIC_CHECKSUM);
    }
  }
  return { valid, wordCount: words.length, badWords, checksumFailed };
}

export function createWalletHandlers(wallets: WalletService): Pick<ApiHandlers, WalletMethod> {
  return {
    'wallet.create': (input) => wallets.create(input),
    'wallet.import': (input) => wallets.import(input),
    'wallet.importHotkey': (input) => wallets.importHotkey(input),
    'wallet.checkMnemonic': async ({ mnemonic }) => checkMnemonic(mnemonic),
    'wallet.list': () => wallets.list(),
    'wallet.show': ({ name }) => wallets.show(name),
    'wallet.rename': ({ name, newName }) => wallets.rename(name, newName),
    'wallet.changePassword': async ({ name, password, newPassword }) => {
      await wallets.changePassword(name, password, newPassword);
      return { ok: true as const };
    },
    'wallet.unlock': ({ name, password }) => wallets.unlock(name, password),
    'wallet.lock': async ({ name }) => {
      const before = wallets.unlockedWallets();
      wallets.lock(name);
      return { locked: before.filter((wallet) => !wallets.isUnlocked(wallet)) };
    },
    'wallet.newHotkey': ({ name, password, hotkeyName }) =>
      wallets.newHotkey(name, { password, hotkeyName }),
    'wallet.exportPublicKeys': ({ name }) => wallets.exportPublicKeys(name),
  };
}
