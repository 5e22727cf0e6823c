/**
 * Public types of the wallet domain: what the API, the CLI and the renderer may see. Nothing here
 * holds a secret except the two results that exist to carry one (`CreateWalletResult.mnemonic`,
 * shown once, and `NodeIdentity`, which stays in the main process).
 */
import type { KeystoreFs } from './keystore.ts';

export type MnemonicWordCount = 12 | 24;

export type KeyKind = 'coldkey' | 'hotkey';

export interface KeyInfo {
  /** SS58 address, network prefix 42 ("5…"). */
  address: string;
  /** 32-byte ed25519 public key, lower-case hex. */
  publicKey: string;
  /** SLIP-0010 path inside the mnemonic it comes from. */
  path: string;
}

export interface HotkeyInfo extends KeyInfo {
  /** Stable id within the wallet; for a derived hotkey also its derivation index. */
  index: number;
  name: string;
  /** 'derived' from the wallet mnemonic, or 'imported' from a mnemonic of its own. */
  source: 'derived' | 'imported';
  /** libp2p peer id the node has when it runs with this hotkey ("12D3KooW…"). */
  peerId: string;
}

export interface WalletInfo {
  name: string;
  coldkey: KeyInfo;
  hotkeys: HotkeyInfo[];
  /** ISO 8601 time the wallet was created or imported. */
  createdAt: string;
  /** Whether secrets are held in memory right now. */
  locked: boolean;
  /** Absolute path of the keystore file. */
  file: string;
  keystoreVersion: number;
}

export interface UnreadableWallet {
  name: string;
  file: string;
  code: string;
  message: string;
}

export interface WalletList {
  wallets: WalletInfo[];
  /** Keystore files that could not be read (corrupt, unsupported); never touched by the service. */
  unreadable: UnreadableWallet[];
}

export interface PublicKeyExport {
  name: string;
  ss58Prefix: number;
  coldkey: KeyInfo;
  hotkeys: HotkeyInfo[];
}

export interface CreateWalletRequest {
  name: string;
  words?: MnemonicWordCount;
  password: string;
}

export interface CreateWalletResult {
  /** The recovery words, returned once so the UI can show them; never stored in clear. */
  mnemonic: string;
  wallet: WalletInfo;
}

export interface ImportWalletRequest {
  name: string;
  mnemonic: string;
  password: string;
}

export interface ImportHotkeyRequest {
  /** Wallet to add the hotkey to. */
  name: string;
  /** The hotkey's own mnemonic; the key is its hotkey 0 (see keys.ts). */
  mnemonic: string;
  password: string;
  hotkeyName: string;
}

export interface NewHotkeyOptions {
  /** Opens the keystore with this password; without it the wallet must be unlocked. */
  password?: string;
  /** Defaults to "hotkey-<index>". */
  hotkeyName?: string;
}

export interface SignRequest {
  kind: KeyKind;
  /** Required for kind 'hotkey'. */
  hotkeyIndex?: number;
  message: Uint8Array;
}

export interface SignResult {
  /** 64-byte ed25519 signature. */
  signature: Uint8Array;
  publicKey: Uint8Array;
  address: string;
}

export interface NodeIdentity {
  hotkeyIndex: number;
  address: string;
  peerId: string;
  /**
   * libp2p Ed25519 PrivateKey protobuf (08 01 12 40 || seed || pub), for libp2p's
   * `privateKeyFromProtobuf`. A secret: keep it in the main process and `.fill(0)` it when done.
   */
  privateKeyProtobuf: Uint8Array;
}

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  /** Derived key length in bytes (32 for XChaCha20-Poly1305). */
  dkLen: number;
}

/** Minimal structured logger (pino-compatible). Never given a secret. */
export interface WalletLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export type LockReason = 'manual' | 'idle' | 'shutdown' | 'renamed';

export interface WalletServiceOptions {
  /** The node's data folder; keystores live in `<dataDir>/wallets/<name>.json`. */
  dataDir: string;
  /** Idle time after which an unlocked wallet locks itself; 0 disables auto-lock. */
  autoLockMs: number;
  logger?: WalletLogger;
  /** KDF parameters for new keystores and password changes (defaults: DEFAULT_SCRYPT). */
  kdf?: ScryptParams;
  /** Called after a wallet locks (for UI state). */
  onLock?: (name: string, reason: LockReason) => void;
  /** File system layer (tests inject failures); defaults to node:fs/promises. */
  fs?: KeystoreFs;
}
