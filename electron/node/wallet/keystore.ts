/**
 * Encrypted keystore: one file per wallet, `<dataDir>/wallets/<name>.json`.
 *
 * Owns the file format, the KDF and cipher, and the atomic write. It knows nothing of keys beyond
 * the public part it stores; deriving and checking keys is the service's job.
 *
 * Format (version 1), JSON:
 *   { format: "noesis-wallet", version: 1, name,
 *     public: { createdAt, coldkey: {address, publicKey, path}, hotkeys: [{index, name, address,
 *               publicKey, source, path}] },
 *     kdf: { name: "scrypt", N, r, p, dkLen, salt (base64, 32 bytes) },
 *     cipher: { name: "xchacha20-poly1305", nonce (base64, 24 bytes) },
 *     ciphertext (base64) }
 * The plaintext is JSON { mnemonic, importedHotkeys: [{index, mnemonic}] }. The associated data
 * is the canonical JSON (sorted keys) of { format, version, public, kdf, cipher.name }, so editing
 * any public field, the KDF parameters or the salt makes decryption fail. `name` is left out on
 * purpose: the file name is authoritative, so a rename needs no password.
 *
 * Writes: temporary file in the same folder (mode 0600), write, fsync, then rename over the old
 * file (or link() for a new wallet, which refuses an existing name atomically), then fsync the
 * folder. A crash at any instant leaves either the old file or the new one, both complete.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { NoesisError } from '../errors.ts';
import { walletError, WalletErrorCode } from './errors.ts';
import type { ScryptParams } from './types.ts';

export const KEYSTORE_FORMAT = 'noesis-wallet';
export const KEYSTORE_VERSION = 1;
export const CIPHER_NAME = 'xchacha20-poly1305';
export const KDF_NAME = 'scrypt';

/**
 * Default scrypt cost: N = 2^17, r = 8, p = 1 (128 MiB). Measured by bench/wallet-unlock.ts at
 * about 0.4 s per unlock on the 2-core development machine (target 0.3–1 s).
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({
  N: 2 ** 17,
  r: 8,
  p: 1,
  dkLen: 32,
});

/** Upper bound on the scrypt memory a keystore file may ask for (a tampered file must not OOM us). */
const MAX_SCRYPT_MEMORY = 1024 ** 3;

export const WALLET_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/u;

export function checkName(name: unknown, what = 'Wallet name'): asserts name is string {
  if (typeof name !== 'string' || !WALLET_NAME_PATTERN.test(name)) {
    throw walletError(
      WalletErrorCode.BAD_NAME,
      `${what} must be 1 to 32 letters, digits, "-" or "_"`,
      { name: typeof name === 'string' ? name.slice(0, 64) : null },
    );
  }
}

export interface StoredKey {
  address: string;
  publicKey: string;
  path: string;
}

export interface StoredHotkey extends StoredKey {
  index: number;
  name: string;
  source: 'derived' | 'imported';
}

export interface KeystorePublic {
  createdAt: string;
  coldkey: StoredKey;
  hotkeys: StoredHotkey[];
}

export interface KeystoreSecrets {
  mnemonic: string;
  importedHotkeys: { index: number; mnemonic: string }[];
}

export interface KeystoreKdf extends ScryptParams {
  name: typeof KDF_NAME;
  salt: string;
}

export interface KeystoreFile {
  format: typeof KEYSTORE_FORMAT;
  version: number;
  name: string;
  public: KeystorePublic;
  kdf: KeystoreKdf;
  cipher: { name: typeof CIPHER_NAME; nonce: string };
  ciphertext: string;
}

/** The subset of node:fs/promises the keystore uses; tests substitute failing calls. */
export type KeystoreFs = Pick<
  typeof nodeFs,
  'readFile' | 'readdir' | 'mkdir' | 'open' | 'rename' | 'link' | 'unlink'
>;

/** Canonical JSON: object keys sorted, no whitespace. Used for the AEAD associated data. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function associatedData(file: Omit<KeystoreFile, 'ciphertext' | 'name'>): Uint8Array {
  return utf8ToBytes(
    canonicalJson({
      format: file.format,
      version: file.version,
      public: file.public,
      kdf: file.kdf,
      cipher: { name: file.cipher.name },
    }),
  );
}

export function checkScryptParams(p: ScryptParams): boolean {
  return (
    Number.isInteger(p.N) &&
    p.N >= 2 &&
    (p.N & (p.N - 1)) === 0 &&
    Number.isInteger(p.r) &&
    p.r >= 1 &&
    p.r <= 64 &&
    Number.isInteger(p.p) &&
    p.p >= 1 &&
    p.p <= 16 &&
    p.dkLen === 32 &&
    128 * p.r * p.N * p.p <= MAX_SCRYPT_MEMORY
  );
}

export async function deriveKey(
  password: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  return scryptAsync(utf8ToBytes(password.normalize('NFKC')), salt, {
    N: params.N,
    r: params.r,
    p: params.p,
    dkLen: params.dkLen,
    maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024,
  });
}

/** An open keystore: the derived key and the decrypted secrets, both to be wiped by the owner. */
export interface OpenedKeystore {
  file: KeystoreFile;
  key: Uint8Array;
  plaintext: Uint8Array;
}

/**
 * Builds a keystore file for `secrets` (JSON bytes) under `key`. The key must come from
 * `deriveKey` with the salt and parameters in `kdf`. A fresh random nonce is used every time.
 */
export function sealKeystore(
  name: string,
  pub: KeystorePublic,
  kdf: KeystoreKdf,
  key: Uint8Array,
  plaintext: Uint8Array,
): KeystoreFile {
  const nonce = randomBytes(24);
  const head = {
    format: KEYSTORE_FORMAT,
    version: KEYSTORE_VERSION,
    public: pub,
    kdf,
    cipher: { name: CIPHER_NAME, nonce: base64.encode(nonce) },
  } as const;
  const ciphertext = xchacha20poly1305(key, nonce, associatedData(head)).encrypt(plaintext);
  return {
    format: head.format,
    version: head.version,
    name,
    public: head.public,
    kdf: head.kdf,
    cipher: head.cipher,
    ciphertext: base64.encode(ciphertext),
  };
}

/** Derives a fresh salt and key for `password` and seals `plaintext`. */
export async function createKeystore(
  name: string,
  pub: KeystorePublic,
  password: string,
  params: ScryptParams,
  plaintext: Uint8Array,
): Promise<OpenedKeystore> {
  const salt = randomBytes(32);
  const kdf: KeystoreKdf = { name: KDF_NAME, ...pickScrypt(params), salt: base64.encode(salt) };
  const key = await deriveKey(password, salt, kdf);
  return { file: sealKeystore(name, pub, kdf, key, plaintext), key, plaintext };
}

function pickScrypt(p: ScryptParams): ScryptParams {
  return { N: p.N, r: p.r, p: p.p, dkLen: p.dkLen };
}

/** Decrypts with a password; WRONG_PASSWORD when the AEAD tag does not verify. */
export async function openKeystore(
  file: KeystoreFile,
  password: string,
  filePath: string,
): Promise<OpenedKeystore> {
  const key = await deriveKey(password, base64.decode(file.kdf.salt), file.kdf);
  try {
    return { file, key, plaintext: openWithKey(file, key, filePath) };
  } catch (error) {
    key.fill(0);
    throw error;
  }
}

export function openWithKey(file: KeystoreFile, key: Uint8Array, filePath: string): Uint8Array {
  const nonce = base64.decode(file.cipher.nonce);
  const ciphertext = base64.decode(file.ciphertext);
  try {
    return xchacha20poly1305(key, nonce, associatedData(file)).decrypt(ciphertext);
  } catch {
    throw walletError(
      WalletErrorCode.WRONG_PASSWORD,
      'Wrong password: the keystore did not open (if the password is right, its public part was altered)',
      { file: filePath },
    );
  }
}

export function encodeSecrets(secrets: KeystoreSecrets): Uint8Array {
  return utf8ToBytes(JSON.stringify(secrets));
}

export function decodeSecrets(plaintext: Uint8Array, filePath: string): KeystoreSecrets {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw corrupt(filePath, 'its encrypted part does not hold valid secrets');
  }
  const v = value as Partial<KeystoreSecrets> | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    typeof v.mnemonic !== 'string' ||
    !Array.isArray(v.importedHotkeys) ||
    !v.importedHotkeys.every(
      (h) => isRecord(h) && Number.isInteger(h.index) && typeof h.mnemonic === 'string',
    )
  ) {
    throw corrupt(filePath, 'its encrypted part does not hold valid secrets');
  }
  return { mnemonic: v.mnemonic, importedHotkeys: v.importedHotkeys };
}

function corrupt(file: string, why: string): NoesisError {
  return walletError(
    WalletErrorCode.KEYSTORE_CORRUPT,
    `The keystore file ${file} is damaged (${why}); it was left as it is`,
    { file },
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX32 = /^[0-9a-f]{64}$/u;

function isStoredKey(v: unknown): v is StoredKey {
  return (
    isRecord(v) &&
    typeof v.address === 'string' &&
    typeof v.publicKey === 'string' &&
    HEX32.test(v.publicKey) &&
    typeof v.path === 'string'
  );
}

function isBase64(v: unknown, bytes?: number): v is string {
  if (typeof v !== 'string') return false;
  try {
    const decoded = base64.decode(v);
    return bytes === undefined || decoded.length === bytes;
  } catch {
    return false;
  }
}

/** Parses and validates keystore bytes; KEYSTORE_CORRUPT or KEYSTORE_UNSUPPORTED naming the file. */
export function parseKeystore(bytes: Uint8Array, filePath: string): KeystoreFile {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw corrupt(
      filePath,
      bytes.length === 0 ? 'it is empty' : 'it is not complete JSON; it may be truncated',
    );
  }
  if (!isRecord(v) || v.format !== KEYSTORE_FORMAT) {
    throw corrupt(filePath, 'it is not a Noesis wallet keystore');
  }
  if (v.version !== KEYSTORE_VERSION) {
    if (typeof v.version === 'number' && v.version > KEYSTORE_VERSION) {
      throw walletError(
        WalletErrorCode.KEYSTORE_UNSUPPORTED,
        `The keystore file ${filePath} has version ${v.version}, written by a newer Noesis; update Noesis to open it`,
        { file: filePath, version: v.version },
      );
    }
    throw corrupt(filePath, 'its version field is invalid');
  }
  const pub = v.public;
  const kdf = v.kdf;
  const cipher = v.cipher;
  if (!isRecord(kdf) || kdf.name !== KDF_NAME || !isRecord(cipher) || cipher.name !== CIPHER_NAME) {
    if (
      isRecord(kdf) &&
      isRecord(cipher) &&
      typeof kdf.name === 'string' &&
      typeof cipher.name === 'string'
    ) {
      throw walletError(
        WalletErrorCode.KEYSTORE_UNSUPPORTED,
        `The keystore file ${filePath} uses ${kdf.name}/${cipher.name}, which this Noesis does not know`,
        { file: filePath },
      );
    }
    throw corrupt(filePath, 'its kdf or cipher section is missing');
  }
  if (
    !checkScryptParams(kdf as unknown as ScryptParams) ||
    !isBase64(kdf.salt) ||
    !isBase64(cipher.nonce, 24)
  ) {
    throw corrupt(filePath, 'its kdf or cipher parameters are invalid');
  }
  if (
    !isRecord(pub) ||
    typeof pub.createdAt !== 'string' ||
    !isStoredKey(pub.coldkey) ||
    !Array.isArray(pub.hotkeys) ||
    !pub.hotkeys.every(
      (h) =>
        isStoredKey(h) &&
        Number.isInteger((h as StoredHotkey).index) &&
        typeof (h as StoredHotkey).name === 'string' &&
        ((h as StoredHotkey).source === 'derived' || (h as StoredHotkey).source === 'imported'),
    )
  ) {
    throw corrupt(filePath, 'its public section is invalid');
  }
  if (
    typeof v.name !== 'string' ||
    !isBase64(v.ciphertext) ||
    (v.ciphertext as string).length === 0
  ) {
    throw corrupt(filePath, 'its name or ciphertext is missing');
  }
  return v as unknown as KeystoreFile;
}

export function serializeKeystore(file: KeystoreFile): Uint8Array {
  return utf8ToBytes(`${JSON.stringify(file, null, 2)}\n`);
}

function errnoCode(error: unknown): string | undefined {
  return isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
}

/** The wallets folder and its files; every write is atomic. */
export class KeystoreDir {
  readonly dir: string;
  readonly #fs: KeystoreFs;

  constructor(dataDir: string, fs: KeystoreFs = nodeFs) {
    this.dir = path.join(path.resolve(dataDir), 'wallets');
    this.#fs = fs;
  }

  pathFor(name: string): string {
    checkName(name);
    return path.join(this.dir, `${name}.json`);
  }

  /** Names of the wallets present (`<name>.json` with a valid name); temporary files are ignored. */
  async names(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await this.#fs.readdir(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    return entries
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((n) => WALLET_NAME_PATTERN.test(n))
      .sort();
  }

  async read(name: string): Promise<KeystoreFile> {
    const file = this.pathFor(name);
    let bytes: Uint8Array;
    try {
      bytes = await this.#fs.readFile(file);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        throw walletError(WalletErrorCode.WALLET_NOT_FOUND, `There is no wallet named "${name}"`, {
          name,
        });
      }
      throw walletError(
        WalletErrorCode.KEYSTORE_CORRUPT,
        `The keystore file ${file} cannot be read`,
        {
          file,
          cause: errnoCode(error),
        },
      );
    }
    return parseKeystore(bytes, file);
  }

  /** Writes a new wallet; WALLET_EXISTS (and nothing written) if the name is taken. */
  async create(name: string, file: KeystoreFile): Promise<void> {
    await this.#writeAtomic(this.pathFor(name), serializeKeystore(file), true);
  }

  /** Replaces an existing wallet's file atomically. */
  async replace(name: string, file: KeystoreFile): Promise<void> {
    await this.#writeAtomic(this.pathFor(name), serializeKeystore(file), false);
  }

  /**
   * Renames `from` to `to`: writes `to` (refusing an existing one), then removes `from`. A crash in
   * between leaves both files, each complete and openable with the same password.
   */
  async rename(from: string, to: string): Promise<KeystoreFile> {
    const file = await this.read(from);
    const renamed: KeystoreFile = { ...file, name: to };
    await this.#writeAtomic(this.pathFor(to), serializeKeystore(renamed), true);
    await this.#fs.unlink(this.pathFor(from));
    await this.#syncDir();
    return renamed;
  }

  async #writeAtomic(target: string, bytes: Uint8Array, noClobber: boolean): Promise<void> {
    await this.#fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(
      this.dir,
      `.${path.basename(target)}.${nodeRandomBytes(6).toString('hex')}.tmp`,
    );
    let tmpExists = false;
    try {
      const handle = await this.#fs.open(tmp, 'wx', 0o600);
      tmpExists = true;
      try {
        await handle.writeFile(bytes);
        if (process.platform !== 'win32') await handle.chmod(0o600);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (noClobber) {
        try {
          await this.#fs.link(tmp, target);
        } catch (error) {
          if (errnoCode(error) === 'EEXIST') {
            throw walletError(
              WalletErrorCode.WALLET_EXISTS,
              `A wallet named "${path.basename(target, '.json')}" already exists`,
              { name: path.basename(target, '.json') },
            );
          }
          throw error;
        }
        tmpExists = false;
        await this.#fs.unlink(tmp).catch(() => undefined);
      } else {
        await this.#fs.rename(tmp, target);
      }
      tmpExists = false;
      await this.#syncDir();
    } catch (error) {
      if (tmpExists) await this.#fs.unlink(tmp).catch(() => undefined);
      if (error instanceof NoesisError) throw error;
      throw walletError(
        WalletErrorCode.KEYSTORE_WRITE_FAILED,
        `Could not write the keystore file ${target}; the previous file is unchanged`,
        { file: target, cause: errnoCode(error) ?? String(error) },
      );
    }
  }

  async #syncDir(): Promise<void> {
    if (process.platform === 'win32') return; // directories cannot be opened for fsync there
    const handle = await this.#fs.open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
