/**
 * Error codes of the wallet domain. Each is thrown as a `NoesisError` (see `../errors.ts`); a UI maps
 * the code to plain words, a test asserts it. `data` never holds a key, a password or a mnemonic:
 * the one exception is BAD_MNEMONIC_WORD, which names the word the user typed that is not in the
 * BIP-39 list (so it is not a valid secret word) and must still never be logged.
 */
import { NoesisError } from '../errors.ts';

export const WalletErrorCode = {
  /** The password does not open the keystore (or its authenticated public part was altered). */
  WRONG_PASSWORD: 'WALLET_WRONG_PASSWORD',
  /** A new password is too short or not a string. */
  BAD_PASSWORD: 'WALLET_BAD_PASSWORD',
  /** A mnemonic word is not in the BIP-39 English list; data: { index, position, word, suggestions }. */
  BAD_MNEMONIC_WORD: 'WALLET_BAD_MNEMONIC_WORD',
  /** Every word is in the list but the BIP-39 checksum fails (a word is wrong or words are swapped). */
  BAD_MNEMONIC_CHECKSUM: 'WALLET_BAD_MNEMONIC_CHECKSUM',
  /** The mnemonic does not have 12 or 24 words; data: { count }. */
  BAD_MNEMONIC_LENGTH: 'WALLET_BAD_MNEMONIC_LENGTH',
  /** A wallet with this name already exists; nothing was written. */
  WALLET_EXISTS: 'WALLET_EXISTS',
  /** No keystore file for this name. */
  WALLET_NOT_FOUND: 'WALLET_NOT_FOUND',
  /** The keystore file cannot be read as a keystore (truncated, not JSON, bad fields); data: { file }. */
  KEYSTORE_CORRUPT: 'WALLET_KEYSTORE_CORRUPT',
  /** The keystore was written by a newer Noesis (unknown version, KDF or cipher); data: { file }. */
  KEYSTORE_UNSUPPORTED: 'WALLET_KEYSTORE_UNSUPPORTED',
  /** Writing the keystore failed; the previous file (if any) is unchanged; data: { file }. */
  KEYSTORE_WRITE_FAILED: 'WALLET_KEYSTORE_WRITE_FAILED',
  /** An SS58 address fails to decode; data: { reason: 'base58' | 'length' | 'checksum' | 'prefix' }. */
  BAD_ADDRESS: 'WALLET_BAD_ADDRESS',
  /** The wallet must be unlocked (or a password given) for this operation. */
  LOCKED: 'WALLET_LOCKED',
  /** A wallet or hotkey name does not match /^[A-Za-z0-9_-]{1,32}$/. */
  BAD_NAME: 'WALLET_BAD_NAME',
  /** No hotkey with this index in the wallet; data: { index }. */
  HOTKEY_NOT_FOUND: 'WALLET_HOTKEY_NOT_FOUND',
  /** The hotkey (same public key or same name) is already in the wallet. */
  HOTKEY_EXISTS: 'WALLET_HOTKEY_EXISTS',
  /** A derivation path is malformed or asks for a non-hardened ed25519 step. */
  BAD_DERIVATION_PATH: 'WALLET_BAD_DERIVATION_PATH',
  /** Key bytes of the wrong length or type (e.g. a libp2p key that is not Ed25519). */
  BAD_KEY: 'WALLET_BAD_KEY',
  /** A request argument has the wrong shape (e.g. message not bytes, unknown key kind). */
  BAD_REQUEST: 'WALLET_BAD_REQUEST',
} as const;

export type WalletErrorCode = (typeof WalletErrorCode)[keyof typeof WalletErrorCode];

export function walletError(
  code: WalletErrorCode,
  message: string,
  data: Record<string, unknown> = {},
): NoesisError {
  return new NoesisError(code, message, data);
}
