/**
 * Key material: BIP-39 mnemonics, SLIP-0010 ed25519 derivation and ed25519 signing.
 *
 * Owns the derivation scheme (which path is the coldkey, which path is hotkey i). Every primitive
 * comes from @noble / @scure; SLIP-0010 is written here because it is only an encoding over
 * HMAC-SHA512. It must not touch the file system: the keystore and the service do that.
 *
 * Derivation (fixed forever: changing it changes every address a backup restores):
 *   seed      = BIP-39 seed of the mnemonic, empty passphrase
 *   coldkey   = SLIP-0010 ed25519  m/44'/5132115'/0'/0'/0'
 *   hotkey i  = SLIP-0010 ed25519  m/44'/5132115'/0'/1'/i'      (0 <= i < 2^31)
 * 5132115 = 0x4E4F53, ASCII "NOS": Noesis has no registered SLIP-44 coin type, so it uses a value
 * of its own far from the registered low numbers. A standalone hotkey imported from its own
 * mnemonic is that mnemonic's hotkey 0 (so another Noesis wallet's first hotkey can be brought in).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  entropyToMnemonic,
  generateMnemonic,
  mnemonicToEntropy,
  mnemonicToSeed,
  mnemonicToSeedSync,
} from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { walletError, WalletErrorCode } from './errors.ts';

export const NOESIS_COIN_TYPE = 0x4e4f53;
export const HARDENED = 0x80000000;
export const COLDKEY_PATH = `m/44'/${NOESIS_COIN_TYPE}'/0'/0'/0'`;
export function hotkeyPath(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= HARDENED) {
    throw walletError(
      WalletErrorCode.BAD_DERIVATION_PATH,
      `Hotkey index ${index} is out of range`,
      {
        index,
      },
    );
  }
  return `m/44'/${NOESIS_COIN_TYPE}'/0'/1'/${index}'`;
}
/** The path of a standalone hotkey inside its own mnemonic. */
export const STANDALONE_HOTKEY_PATH = hotkeyPath(0);

export type MnemonicWords = 12 | 24;

/** A new random mnemonic (CSPRNG via @scure/bip39). */
export function newMnemonic(words: MnemonicWords = 12): string {
  if (words !== 12 && words !== 24) {
    throw walletError(WalletErrorCode.BAD_MNEMONIC_LENGTH, 'A mnemonic has 12 or 24 words', {
      count: words,
    });
  }
  return generateMnemonic(english, words === 12 ? 128 : 256);
}

/**
 * Checks a mnemonic the user typed and returns it in canonical form (NFKD, lower case, single
 * spaces). Throws BAD_MNEMONIC_LENGTH, BAD_MNEMONIC_WORD (the first word not in the list, with its
 * index and the list words sharing its first letters) or BAD_MNEMONIC_CHECKSUM.
 */
export function normalizeMnemonic(input: string): string {
  if (typeof input !== 'string') {
    throw walletError(WalletErrorCode.BAD_REQUEST, 'The mnemonic must be a string');
  }
  const words = input.normalize('NFKD').toLowerCase().trim().split(/\s+/u).filter(Boolean);
  if (words.length !== 12 && words.length !== 24) {
    throw walletError(
      WalletErrorCode.BAD_MNEMONIC_LENGTH,
      `A mnemonic has 12 or 24 words; this one has ${words.length}`,
      { count: words.length },
    );
  }
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (!WORDS.has(word)) {
      throw walletError(
        WalletErrorCode.BAD_MNEMONIC_WORD,
        `Word ${index + 1} ("${word}") is not in the BIP-39 English word list`,
        { index, position: index + 1, word, suggestions: suggestWords(word) },
      );
    }
  }
  const canonical = words.join(' ');
  try {
    mnemonicToEntropy(canonical, english);
  } catch {
    throw walletError(
      WalletErrorCode.BAD_MNEMONIC_CHECKSUM,
      'Every word is in the list but the checksum fails: a word is wrong or two words are swapped',
    );
  }
  return canonical;
}

const WORDS = new Set(english);

/** Words of the list that share the longest prefix (up to 4 letters: BIP-39 words are unique by 4). */
export function suggestWords(word: string, max = 5): string[] {
  for (let n = Math.min(4, word.length); n >= 1; n--) {
    const prefix = word.slice(0, n);
    const found = english.filter((w) => w.startsWith(prefix));
    if (found.length > 0) return found.slice(0, max);
  }
  return [];
}

/** True when `word` is in the list (for as-you-type checking in the UI). */
export function isMnemonicWord(word: string): boolean {
  return WORDS.has(word.normalize('NFKD').toLowerCase());
}

export function entropyToWords(entropy: Uint8Array): string {
  return entropyToMnemonic(entropy, english);
}

/** BIP-39 seed (PBKDF2-HMAC-SHA512, 2048 rounds). The mnemonic must already be normalized. */
export function mnemonicSeed(mnemonic: string, passphrase = ''): Promise<Uint8Array> {
  return mnemonicToSeed(mnemonic, passphrase);
}

export function mnemonicSeedSync(mnemonic: string, passphrase = ''): Uint8Array {
  return mnemonicToSeedSync(mnemonic, passphrase);
}

export interface ExtendedKey {
  /** 32-byte ed25519 private key (the RFC 8032 seed). */
  key: Uint8Array;
  chainCode: Uint8Array;
}

/** Parses "m/44'/0'/1'" (also accepting "h" or "H" for hardened) into hardened indices. */
export function parsePath(path: string): number[] {
  const parts = path.split('/');
  if (parts[0] !== 'm') {
    throw walletError(WalletErrorCode.BAD_DERIVATION_PATH, `Path "${path}" must start with m`, {
      path,
    });
  }
  return parts.slice(1).map((part) => {
    const m = /^(\d+)['hH]$/u.exec(part);
    if (m === null) {
      throw walletError(
        WalletErrorCode.BAD_DERIVATION_PATH,
        `Path step "${part}" is not hardened: ed25519 (SLIP-0010) supports hardened steps only`,
        { path },
      );
    }
    const index = Number(m[1]);
    if (index >= HARDENED) {
      throw walletError(WalletErrorCode.BAD_DERIVATION_PATH, `Path step "${part}" is too large`, {
        path,
      });
    }
    return index + HARDENED;
  });
}

const ED25519_SEED_KEY = utf8ToBytes('ed25519 seed');

/** SLIP-0010 master key for ed25519: I = HMAC-SHA512("ed25519 seed", seed). */
export function slip10Master(seed: Uint8Array): ExtendedKey {
  const I = hmac(sha512, ED25519_SEED_KEY, seed);
  const out = { key: I.slice(0, 32), chainCode: I.slice(32) };
  I.fill(0);
  return out;
}

/** SLIP-0010 hardened child: I = HMAC-SHA512(c_par, 0x00 || k_par || ser32(i)). */
export function slip10Child(parent: ExtendedKey, index: number): ExtendedKey {
  if (!Number.isInteger(index) || index < HARDENED || index > 0xffffffff) {
    throw walletError(
      WalletErrorCode.BAD_DERIVATION_PATH,
      'ed25519 (SLIP-0010) supports hardened child indices only',
      { index },
    );
  }
  const data = new Uint8Array(37);
  data.set(parent.key, 1);
  new DataView(data.buffer).setUint32(33, index, false);
  const I = hmac(sha512, parent.chainCode, data);
  const out = { key: I.slice(0, 32), chainCode: I.slice(32) };
  data.fill(0);
  I.fill(0);
  return out;
}

/** Derives the extended key at `path` from a BIP-39 seed; intermediate keys are wiped. */
export function slip10Derive(seed: Uint8Array, path: string | readonly number[]): ExtendedKey {
  const indices = typeof path === 'string' ? parsePath(path) : path;
  let node = slip10Master(seed);
  for (const index of indices) {
    const next = slip10Child(node, index);
    wipeExtendedKey(node);
    node = next;
  }
  return node;
}

export function wipeExtendedKey(k: ExtendedKey): void {
  k.key.fill(0);
  k.chainCode.fill(0);
}

export interface KeyPair {
  /** 32-byte ed25519 secret (RFC 8032 private key). Wipe with `.fill(0)` when done. */
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw walletError(WalletErrorCode.BAD_KEY, 'An ed25519 secret key has 32 bytes');
  }
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** The key pair at `path` of a BIP-39 seed. */
export function deriveKeyPair(seed: Uint8Array, path: string): KeyPair {
  const node = slip10Derive(seed, path);
  node.chainCode.fill(0);
  return keyPairFromSecret(node.key);
}

export function deriveColdkey(seed: Uint8Array): KeyPair {
  return deriveKeyPair(seed, COLDKEY_PATH);
}

export function deriveHotkey(seed: Uint8Array, index: number): KeyPair {
  return deriveKeyPair(seed, hotkeyPath(index));
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}

/** RFC 8032 / FIPS 186-5 strict verification (no ZIP-215 leniency). */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
