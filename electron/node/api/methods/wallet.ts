/**
 * Contract entries for wallets: create, import, list, show, rename, change password, lock,
 * unlock, new hotkey, export public keys, and a mnemonic check for as-you-type feedback.
 * Results carry public data only, with one exception made for the user's backup: `wallet.create`
 * returns the new recovery words once, so the onboarding can show them.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type {
  CreateWalletResult,
  HotkeyInfo,
  PublicKeyExport,
  WalletInfo,
  WalletList,
} from '../../wallet/types.ts';

const name = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32');
const password = z.string().min(1).max(1024);
const newPassword = z.string().min(8, 'at least 8 characters').max(1024);
const mnemonic = z.string().min(1).max(1024);

export interface MnemonicCheck {
  /** True when the words form a valid 12- or 24-word BIP-39 mnemonic. */
  valid: boolean;
  wordCount: number;
  /** Every word that is not in the BIP-39 English list, with close words from the list. */
  badWords: { index: number; word: string; suggestions: string[] }[];
  /** True when every word is in the list and the count is right but the checksum fails. */
  checksumFailed: boolean;
}

export const walletMethods = {
  'wallet.create': defineMethod<
    { name: string; words?: 12 | 24 | undefined; password: string },
    CreateWalletResult
  >(
    z
      .object({
        name,
        words: z.union([z.literal(12), z.literal(24)]).optional(),
        password: newPassword,
      })
      .strict(),
    { summary: 'Create a wallet from new recovery words, returned once for the backup.' },
  ),
  'wallet.import': defineMethod<{ name: string; mnemonic: string; password: string }, WalletInfo>(
    z.object({ name, mnemonic, password: newPassword }).strict(),
    { summary: 'Restore a wallet (coldkey and its derived hotkeys) from its recovery words.' },
  ),
  'wallet.importHotkey': defineMethod<
    { name: string; mnemonic: string; password: string; hotkeyName: string },
    HotkeyInfo
  >(z.object({ name, mnemonic, password, hotkeyName: name }).strict(), {
    summary: 'Add a standalone hotkey to a wallet from the hotkey’s own recovery words.',
  }),
  'wallet.checkMnemonic': defineMethod<{ mnemonic: string }, MnemonicCheck>(
    z.object({ mnemonic: z.string().max(1024) }).strict(),
    { summary: 'Check recovery words as they are typed: which words are wrong, checksum.' },
  ),
  'wallet.list': defineMethod<Record<string, never>, WalletList>(z.object({}).strict(), {
    summary: 'Every wallet with its coldkey and hotkey addresses, and unreadable keystores.',
  }),
  'wallet.show': defineMethod<{ name: string }, WalletInfo>(z.object({ name }).strict(), {
    summary: 'Public data of one wallet.',
  }),
  'wallet.rename': defineMethod<{ name: string; newName: string }, WalletInfo>(
    z.object({ name, newName: name }).strict(),
    { summary: 'Rename a wallet; its keys do not change.' },
  ),
  'wallet.changePassword': defineMethod<
    { name: string; password: string; newPassword: string },
    { ok: true }
  >(z.object({ name, password, newPassword }).strict(), {
    summary: 'Re-encrypt a wallet under a new password, atomically.',
  }),
  'wallet.unlock': defineMethod<{ name: string; password: string }, WalletInfo>(
    z.object({ name, password }).strict(),
    { summary: 'Unlock a wallet for signing until it is locked or sits idle too long.' },
  ),
  'wallet.lock': defineMethod<{ name?: string | undefined }, { locked: string[] }>(
    z.object({ name: name.optional() }).strict(),
    { summary: 'Lock one wallet, or all of them; secrets are wiped from memory.' },
  ),
  'wallet.newHotkey': defineMethod<
    { name: string; password?: string | undefined; hotkeyName?: string | undefined },
    HotkeyInfo
  >(z.object({ name, password: password.optional(), hotkeyName: name.optional() }).strict(), {
    summary: 'Derive the next hotkey of a wallet (password needed unless it is unlocked).',
  }),
  'wallet.exportPublicKeys': defineMethod<{ name: string }, PublicKeyExport>(
    z.object({ name }).strict(),
    { summary: 'Public keys and addresses of a wallet, to share or to watch it elsewhere.' },
  ),
};
