/**
 * WalletService: the node's one owner of wallet secrets.
 *
 * Owns create/import/unlock/lock/sign and the in-memory secrets of unlocked wallets. Secrets never
 * leave this object except as signatures and the node identity key the libp2p host needs; they
 * are wiped with `.fill(0)` on lock. (JavaScript strings cannot be wiped: the mnemonic exists as a
 * string only briefly while a seed is computed, and as the one-time return value of `create`.)
 * Must not import electron, know about the API transport, or log anything secret.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { NoesisError } from '../errors.ts';
import type { NodeService } from '../service.ts';
import { encodeAddress, SS58_PREFIX } from './address.ts';
import { walletError, WalletErrorCode } from './errors.ts';
import {
  COLDKEY_PATH,
  deriveColdkey,
  deriveHotkey,
  deriveKeyPair,
  hotkeyPath,
  type KeyPair,
  mnemonicSeed,
  newMnemonic,
  normalizeMnemonic,
  sign as ed25519Sign,
  STANDALONE_HOTKEY_PATH,
} from './keys.ts';
import {
  checkName,
  createKeystore,
  decodeSecrets,
  DEFAULT_SCRYPT,
  encodeSecrets,
  type KeystoreFile,
  KeystoreDir,
  type KeystorePublic,
  type KeystoreSecrets,
  openKeystore,
  openWithKey,
  sealKeystore,
  type StoredHotkey,
} from './keystore.ts';
import { libp2pPrivateKeyProtobuf, peerIdFromPublicKey } from './peer-id.ts';
import type {
  CreateWalletRequest,
  CreateWalletResult,
  HotkeyInfo,
  ImportHotkeyRequest,
  ImportWalletRequest,
  LockReason,
  NewHotkeyOptions,
  NodeIdentity,
  PublicKeyExport,
  ScryptParams,
  SignRequest,
  SignResult,
  UnreadableWallet,
  WalletInfo,
  WalletList,
  WalletLogger,
  WalletServiceOptions,
} from './types.ts';

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

interface UnlockedWallet {
  /** scrypt key of the current keystore file: lets the service re-seal without the password. */
  key: Uint8Array;
  /** Decrypted secrets (JSON bytes), re-sealed when the public part changes. */
  plaintext: Uint8Array;
  /** BIP-39 seed, for deriving new hotkeys. */
  seed: Uint8Array;
  coldkey: KeyPair;
  hotkeys: Map<number, KeyPair>;
  timer: NodeJS.Timeout | undefined;
}

function checkPassword(password: unknown): asserts password is string {
  if (
    typeof password !== 'string' ||
    [...password].length < MIN_PASSWORD_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw walletError(
      WalletErrorCode.BAD_PASSWORD,
      `A wallet password has at least ${MIN_PASSWORD_LENGTH} characters`,
      { minLength: MIN_PASSWORD_LENGTH },
    );
  }
}

function checkPasswordGiven(password: unknown): asserts password is string {
  if (typeof password !== 'string') {
    throw walletError(WalletErrorCode.BAD_REQUEST, 'A password must be a string');
  }
}

function wipeKeyPair(k: KeyPair): void {
  k.secretKey.fill(0);
}

function storedKey(
  kp: KeyPair,
  path: string,
): { address: string; publicKey: string; path: string } {
  return { address: encodeAddress(kp.publicKey), publicKey: bytesToHex(kp.publicKey), path };
}

export class WalletService implements NodeService {
  readonly name = 'wallet';
  readonly #store: KeystoreDir;
  readonly #kdf: ScryptParams;
  readonly #logger: WalletLogger | undefined;
  readonly #onLock: ((name: string, reason: LockReason) => void) | undefined;
  #autoLockMs: number;
  readonly #unlocked = new Map<string, UnlockedWallet>();
  readonly #tails = new Map<string, Promise<void>>();

  constructor(options: WalletServiceOptions) {
    this.#store = new KeystoreDir(options.dataDir, options.fs);
    this.#kdf = { ...(options.kdf ?? DEFAULT_SCRYPT) };
    this.#logger = options.logger;
    this.#onLock = options.onLock;
    this.#autoLockMs = WalletService.#checkAutoLock(options.autoLockMs);
  }

  /** NodeService: nothing to start; keystores are read on demand. */
  async start(_signal: AbortSignal): Promise<void> {}

  /** NodeService: locks every wallet (secrets wiped). */
  async stop(): Promise<void> {
    this.close();
  }

  detail(): string | null {
    const n = this.#unlocked.size;
    return n === 0 ? null : `${n} wallet${n === 1 ? '' : 's'} unlocked`;
  }

  /** Folder holding the keystore files. */
  get walletsDir(): string {
    return this.#store.dir;
  }

  get autoLockMs(): number {
    return this.#autoLockMs;
  }

  /** Changes the idle time (0 disables auto-lock); running timers restart with the new value. */
  setAutoLockMs(ms: number): void {
    this.#autoLockMs = WalletService.#checkAutoLock(ms);
    for (const name of this.#unlocked.keys()) this.#touch(name);
  }

  static #checkAutoLock(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0 || ms > 2 ** 31 - 1) {
      throw walletError(
        WalletErrorCode.BAD_REQUEST,
        'autoLockMs must be 0 (off) or a positive number of ms',
      );
    }
    return ms;
  }

  /** Creates a wallet from fresh random words; returns the words once, and the public info. */
  async create(request: CreateWalletRequest): Promise<CreateWalletResult> {
    checkName(request.name);
    checkPassword(request.password);
    const mnemonic = newMnemonic(request.words ?? 12);
    const wallet = await this.#createFrom(request.name, mnemonic, request.password, 'created');
    return { mnemonic, wallet };
  }

  /** Restores a wallet from its words (checked: unknown word, checksum, length). */
  async import(request: ImportWalletRequest): Promise<WalletInfo> {
    checkName(request.name);
    const mnemonic = normalizeMnemonic(request.mnemonic);
    checkPassword(request.password);
    return this.#createFrom(request.name, mnemonic, request.password, 'imported');
  }

  async #createFrom(
    name: string,
    mnemonic: string,
    password: string,
    how: 'created' | 'imported',
  ): Promise<WalletInfo> {
    return this.#exclusive([name], async () => {
      if ((await this.#store.names()).includes(name)) {
        throw walletError(
          WalletErrorCode.WALLET_EXISTS,
          `A wallet named "${name}" already exists`,
          {
            name,
          },
        );
      }
      const seed = await mnemonicSeed(mnemonic);
      const coldkey = deriveColdkey(seed);
      const hotkey = deriveHotkey(seed, 0);
      seed.fill(0);
      const pub: KeystorePublic = {
        createdAt: new Date().toISOString(),
        coldkey: storedKey(coldkey, COLDKEY_PATH),
        hotkeys: [
          { index: 0, name: 'default', source: 'derived', ...storedKey(hotkey, hotkeyPath(0)) },
        ],
      };
      wipeKeyPair(coldkey);
      wipeKeyPair(hotkey);
      const plaintext = encodeSecrets({ mnemonic, importedHotkeys: [] });
      const opened = await createKeystore(name, pub, password, this.#kdf, plaintext);
      try {
        await this.#store.create(name, opened.file);
      } finally {
        opened.key.fill(0);
        plaintext.fill(0);
      }
      this.#forget(name);
      this.#logger?.info({ wallet: name, coldkey: pub.coldkey.address }, `wallet ${how}`);
      return this.#info(name, opened.file);
    });
  }

  /** Adds a standalone hotkey from its own mnemonic (the key is that mnemonic's hotkey 0). */
  async importHotkey(request: ImportHotkeyRequest): Promise<HotkeyInfo> {
    checkName(request.name);
    checkName(request.hotkeyName, 'Hotkey name');
    const mnemonic = normalizeMnemonic(request.mnemonic);
    checkPasswordGiven(request.password);
    return this.#exclusive([request.name], async () => {
      const seed = await mnemonicSeed(mnemonic);
      const keyPair = deriveKeyPair(seed, STANDALONE_HOTKEY_PATH);
      seed.fill(0);
      try {
        return await this.#addHotkey(request.name, request.password, (file, secrets) => {
          const index = nextHotkeyIndex(file.public.hotkeys);
          secrets.importedHotkeys.push({ index, mnemonic });
          return {
            stored: {
              index,
              name: request.hotkeyName,
              source: 'imported',
              ...storedKey(keyPair, STANDALONE_HOTKEY_PATH),
            },
            keyPair: { secretKey: keyPair.secretKey.slice(), publicKey: keyPair.publicKey },
          };
        });
      } finally {
        wipeKeyPair(keyPair);
      }
    });
  }

  /** Derives the next hotkey from the wallet mnemonic (password given, or wallet unlocked). */
  async newHotkey(name: string, options: NewHotkeyOptions = {}): Promise<HotkeyInfo> {
    checkName(name);
    if (options.hotkeyName !== undefined) checkName(options.hotkeyName, 'Hotkey name');
    if (options.password !== undefined) checkPasswordGiven(options.password);
    return this.#exclusive([name], () =>
      this.#addHotkey(name, options.password, (file, _secrets, seed) => {
        const index = nextHotkeyIndex(file.public.hotkeys);
        const keyPair = deriveHotkey(seed, index);
        return {
          stored: {
            index,
            name: options.hotkeyName ?? `hotkey-${index}`,
            source: 'derived',
            ...storedKey(keyPair, hotkeyPath(index)),
          },
          keyPair,
        };
      }),
    );
  }

  /**
   * Opens the keystore (with the password, or with the key held while unlocked), lets `make` add
   * one hotkey to the public part and, if needed, to the secrets, then re-seals and replaces the
   * file atomically. Updates the unlocked state if there is one.
   */
  async #addHotkey(
    name: string,
    password: string | undefined,
    make: (
      file: KeystoreFile,
      secrets: KeystoreSecrets,
      seed: Uint8Array,
    ) => { stored: StoredHotkey; keyPair: KeyPair },
  ): Promise<HotkeyInfo> {
    const file = await this.#store.read(name);
    const filePath = this.#store.pathFor(name);
    const state = this.#unlocked.get(name);
    let key: Uint8Array;
    let plaintext: Uint8Array;
    let seed: Uint8Array;
    if (password !== undefined) {
      const opened = await openKeystore(file, password, filePath);
      key = opened.key;
      plaintext = opened.plaintext;
      seed = await mnemonicSeed(decodeSecrets(plaintext, filePath).mnemonic);
    } else if (state !== undefined) {
      try {
        plaintext = openWithKey(file, state.key, filePath);
      } catch {
        this.#lockNow(name, 'manual');
        throw walletError(
          WalletErrorCode.LOCKED,
          `The keystore of "${name}" changed on disk; unlock it again`,
          { name },
        );
      }
      key = state.key.slice();
      seed = state.seed.slice();
    } else {
      throw walletError(
        WalletErrorCode.LOCKED,
        `Wallet "${name}" is locked: unlock it or give its password`,
        {
          name,
        },
      );
    }
    let added: { stored: StoredHotkey; keyPair: KeyPair } | undefined;
    let newPlaintext: Uint8Array | undefined;
    try {
      const secrets = decodeSecrets(plaintext, filePath);
      added = make(file, secrets, seed);
      const { stored } = added;
      if (file.public.hotkeys.some((h) => h.publicKey === stored.publicKey)) {
        throw walletError(WalletErrorCode.HOTKEY_EXISTS, 'This hotkey is already in the wallet', {
          name,
          address: stored.address,
        });
      }
      if (file.public.hotkeys.some((h) => h.name === stored.name)) {
        throw walletError(
          WalletErrorCode.HOTKEY_EXISTS,
          `A hotkey named "${stored.name}" already exists`,
          {
            name,
            hotkeyName: stored.name,
          },
        );
      }
      const pub: KeystorePublic = { ...file.public, hotkeys: [...file.public.hotkeys, stored] };
      newPlaintext = encodeSecrets(secrets);
      const sealed = sealKeystore(name, pub, file.kdf, key, newPlaintext);
      await this.#store.replace(name, sealed);
      const current = this.#unlocked.get(name);
      if (current !== undefined) {
        current.plaintext.fill(0);
        current.plaintext = newPlaintext;
        newPlaintext = undefined;
        current.hotkeys.set(stored.index, added.keyPair);
        added = undefined;
        this.#touch(name);
      }
      this.#logger?.info(
        { wallet: name, hotkey: stored.index, source: stored.source, address: stored.address },
        'hotkey added',
      );
      return this.#hotkeyInfo(stored);
    } finally {
      key.fill(0);
      seed.fill(0);
      plaintext.fill(0);
      newPlaintext?.fill(0);
      if (added !== undefined) wipeKeyPair(added.keyPair);
    }
  }

  /** Public info of every wallet, and the keystore files that could not be read. */
  async list(): Promise<WalletList> {
    const wallets: WalletInfo[] = [];
    const unreadable: UnreadableWallet[] = [];
    for (const name of await this.#store.names()) {
      try {
        wallets.push(this.#info(name, await this.#store.read(name)));
      } catch (error) {
        if (!(error instanceof NoesisError)) throw error;
        if (error.code === WalletErrorCode.WALLET_NOT_FOUND) continue; // removed while listing
        unreadable.push({
          name,
          file: this.#store.pathFor(name),
          code: error.code,
          message: error.message,
        });
      }
    }
    return { wallets, unreadable };
  }

  async show(name: string): Promise<WalletInfo> {
    checkName(name);
    return this.#info(name, await this.#store.read(name));
  }

  async exportPublicKeys(name: string): Promise<PublicKeyExport> {
    const info = await this.show(name);
    return { name, ss58Prefix: SS58_PREFIX, coldkey: info.coldkey, hotkeys: info.hotkeys };
  }

  /** Renames a wallet (no password needed: the name is not part of the encrypted data). */
  async rename(from: string, to: string): Promise<WalletInfo> {
    checkName(from);
    checkName(to);
    if (from === to) return this.show(from);
    return this.#exclusive([from, to], async () => {
      const file = await this.#store.rename(from, to);
      const state = this.#unlocked.get(from);
      this.#forget(to);
      if (state !== undefined) {
        this.#unlocked.delete(from);
        this.#unlocked.set(to, state);
        this.#touch(to);
      }
      this.#logger?.info({ wallet: to, from }, 'wallet renamed');
      return this.#info(to, file);
    });
  }

  /**
   * Re-encrypts the keystore under a new password (fresh salt, current KDF parameters), replacing
   * the file atomically: a crash leaves the old file, which still opens with the old password.
   */
  async changePassword(name: string, oldPassword: string, newPassword: string): Promise<void> {
    checkName(name);
    checkPasswordGiven(oldPassword);
    checkPassword(newPassword);
    await this.#exclusive([name], async () => {
      const filePath = this.#store.pathFor(name);
      const file = await this.#store.read(name);
      const opened = await openKeystore(file, oldPassword, filePath);
      let fresh: Awaited<ReturnType<typeof createKeystore>> | undefined;
      try {
        fresh = await createKeystore(name, file.public, newPassword, this.#kdf, opened.plaintext);
        await this.#store.replace(name, fresh.file);
        const state = this.#unlocked.get(name);
        if (state !== undefined) {
          state.key.fill(0);
          state.key = fresh.key;
          fresh = undefined;
          this.#touch(name);
        }
        this.#logger?.info({ wallet: name }, 'wallet password changed');
      } finally {
        opened.key.fill(0);
        opened.plaintext.fill(0);
        fresh?.key.fill(0);
      }
    });
  }

  /** Decrypts the keystore and holds the keys in memory until lock() or the idle timeout. */
  async unlock(name: string, password: string): Promise<WalletInfo> {
    checkName(name);
    checkPasswordGiven(password);
    return this.#exclusive([name], async () => {
      const filePath = this.#store.pathFor(name);
      const file = await this.#store.read(name);
      const opened = await openKeystore(file, password, filePath);
      let state: UnlockedWallet;
      try {
        state = await this.#deriveState(file, opened.key, opened.plaintext, filePath);
      } catch (error) {
        opened.key.fill(0);
        opened.plaintext.fill(0);
        throw error;
      }
      this.#forget(name);
      this.#unlocked.set(name, state);
      this.#touch(name);
      this.#logger?.info({ wallet: name }, 'wallet unlocked');
      return this.#info(name, file);
    });
  }

  async #deriveState(
    file: KeystoreFile,
    key: Uint8Array,
    plaintext: Uint8Array,
    filePath: string,
  ): Promise<UnlockedWallet> {
    const secrets = decodeSecrets(plaintext, filePath);
    const seed = await mnemonicSeed(secrets.mnemonic);
    const state: UnlockedWallet = {
      key,
      plaintext,
      seed,
      coldkey: deriveColdkey(seed),
      hotkeys: new Map(),
      timer: undefined,
    };
    const mismatch = (): NoesisError => {
      wipeState(state);
      return walletError(
        WalletErrorCode.KEYSTORE_CORRUPT,
        `The keystore file ${filePath} is damaged (its keys do not match its addresses); it was left as it is`,
        { file: filePath },
      );
    };
    if (bytesToHex(state.coldkey.publicKey) !== file.public.coldkey.publicKey) throw mismatch();
    for (const h of file.public.hotkeys) {
      let kp: KeyPair;
      if (h.source === 'derived') {
        kp = deriveHotkey(seed, h.index);
      } else {
        const own = secrets.importedHotkeys.find((s) => s.index === h.index);
        if (own === undefined) throw mismatch();
        const ownSeed = await mnemonicSeed(own.mnemonic);
        kp = deriveKeyPair(ownSeed, STANDALONE_HOTKEY_PATH);
        ownSeed.fill(0);
      }
      state.hotkeys.set(h.index, kp);
      if (bytesToHex(kp.publicKey) !== h.publicKey) throw mismatch();
    }
    return state;
  }

  /** Locks one wallet, or all when no name is given; secrets are wiped. */
  lock(name?: string): void {
    if (name === undefined) {
      for (const n of [...this.#unlocked.keys()]) this.#lockNow(n, 'manual');
    } else {
      this.#lockNow(name, 'manual');
    }
  }

  isUnlocked(name: string): boolean {
    return this.#unlocked.has(name);
  }

  /** Names of the wallets unlocked right now. */
  unlockedWallets(): string[] {
    return [...this.#unlocked.keys()];
  }

  /** Locks everything (node shutdown). */
  close(): void {
    for (const n of [...this.#unlocked.keys()]) this.#lockNow(n, 'shutdown');
  }

  /** Signs `message` with the coldkey or a hotkey of an unlocked wallet; resets the idle timer. */
  sign(name: string, request: SignRequest): SignResult {
    const state = this.#requireUnlocked(name);
    if (!(request.message instanceof Uint8Array)) {
      throw walletError(WalletErrorCode.BAD_REQUEST, 'The message to sign must be bytes');
    }
    let kp: KeyPair;
    if (request.kind === 'coldkey') {
      kp = state.coldkey;
    } else if (request.kind === 'hotkey') {
      kp = this.#hotkeyOf(name, state, request.hotkeyIndex);
    } else {
      throw walletError(WalletErrorCode.BAD_REQUEST, 'kind must be "coldkey" or "hotkey"');
    }
    this.#touch(name);
    return {
      signature: ed25519Sign(request.message, kp.secretKey),
      publicKey: kp.publicKey.slice(),
      address: encodeAddress(kp.publicKey),
    };
  }

  /**
   * The libp2p identity of hotkey `hotkeyIndex` of an unlocked wallet: the Ed25519 PrivateKey
   * protobuf for `privateKeyFromProtobuf` and the peer id it gives. The caller wipes the bytes.
   */
  nodeIdentity(name: string, hotkeyIndex = 0): NodeIdentity {
    const state = this.#requireUnlocked(name);
    const kp = this.#hotkeyOf(name, state, hotkeyIndex);
    this.#touch(name);
    return {
      hotkeyIndex,
      address: encodeAddress(kp.publicKey),
      peerId: peerIdFromPublicKey(kp.publicKey),
      privateKeyProtobuf: libp2pPrivateKeyProtobuf(kp.secretKey, kp.publicKey),
    };
  }

  #hotkeyOf(name: string, state: UnlockedWallet, index: number | undefined): KeyPair {
    const kp = index === undefined ? undefined : state.hotkeys.get(index);
    if (kp === undefined) {
      throw walletError(
        WalletErrorCode.HOTKEY_NOT_FOUND,
        `Wallet "${name}" has no hotkey ${index}`,
        {
          name,
          index: index ?? null,
        },
      );
    }
    return kp;
  }

  #requireUnlocked(name: string): UnlockedWallet {
    const state = this.#unlocked.get(name);
    if (state === undefined) {
      throw walletError(WalletErrorCode.LOCKED, `Wallet "${name}" is locked`, { name });
    }
    return state;
  }

  #touch(name: string): void {
    const state = this.#unlocked.get(name);
    if (state === undefined) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    if (this.#autoLockMs > 0) {
      state.timer = setTimeout(() => this.#lockNow(name, 'idle'), this.#autoLockMs);
      state.timer.unref();
    }
  }

  #lockNow(name: string, reason: LockReason): void {
    if (!this.#forget(name)) return;
    this.#logger?.info({ wallet: name, reason }, 'wallet locked');
    this.#onLock?.(name, reason);
  }

  /** Wipes and drops any unlocked state for `name`; true if there was some. */
  #forget(name: string): boolean {
    const state = this.#unlocked.get(name);
    if (state === undefined) return false;
    this.#unlocked.delete(name);
    wipeState(state);
    return true;
  }

  #info(name: string, file: KeystoreFile): WalletInfo {
    return {
      name,
      coldkey: { ...file.public.coldkey },
      hotkeys: file.public.hotkeys.map((h) => this.#hotkeyInfo(h)),
      createdAt: file.public.createdAt,
      locked: !this.#unlocked.has(name),
      file: this.#store.pathFor(name),
      keystoreVersion: file.version,
    };
  }

  #hotkeyInfo(h: StoredHotkey): HotkeyInfo {
    return {
      index: h.index,
      name: h.name,
      source: h.source,
      address: h.address,
      publicKey: h.publicKey,
      path: h.path,
      peerId: peerIdFromPublicKey(hexToBytes(h.publicKey)),
    };
  }

  /** Runs `fn` while holding the per-wallet locks of `names` (taken in sorted order). */
  async #exclusive<T>(names: string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(names)].sort()) {
      const previous = this.#tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      this.#tails.set(key, tail);
      await previous;
      releases.push(() => {
        release();
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      });
    }
    try {
      return await fn();
    } finally {
      for (const release of releases) release();
    }
  }
}

function nextHotkeyIndex(hotkeys: readonly StoredHotkey[]): number {
  return hotkeys.reduce((max, h) => Math.max(max, h.index), -1) + 1;
}

function wipeState(state: UnlockedWallet): void {
  if (state.timer !== undefined) clearTimeout(state.timer);
  state.timer = undefined;
  state.key.fill(0);
  state.plaintext.fill(0);
  state.seed.fill(0);
  wipeKeyPair(state.coldkey);
  for (const kp of state.hotkeys.values()) wipeKeyPair(kp);
  state.hotkeys.clear();
}
