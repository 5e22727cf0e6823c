/**
 * The node's network identity: an Ed25519 libp2p key kept in `<dataDir>/p2p/node-key.json`
 * (mode 0600, unencrypted).
 *
 * Decision (docs/adr/0005-hotkey-is-the-node-identity.md): the peer id is the active hotkey's.
 * A node that has never mined or validated networks under a random key created on first start
 * (it must find peers and sync before anyone unlocks a wallet). When the user starts a role with
 * a hotkey, the node writes that hotkey here (`activateHotkey`), with its address in `hotkey`, and
 * restarts its networking under it: from then on the encrypted channel itself proves which
 * hotkey answers, and the role signs tasks, receipts, weights and proofs with it while the wallet
 * stays locked. Only the hotkey is ever written here — it holds no funds (stake belongs to
 * coldkeys) — as subtensor keeps hotkeys and CometBFT its validator key; the coldkey stays in the
 * encrypted keystore.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { toHex } from '../chain/crypto.ts';
import {
  libp2pPrivateKeyProtobuf,
  parseLibp2pPrivateKeyProtobuf,
  peerIdFromPublicKey,
} from '../wallet/peer-id.ts';

export interface NodeKey {
  privateKeyProtobuf: Uint8Array;
  peerId: string;
  /** The hotkey (public key, hex) this identity is, or null for a random node key. */
  hotkey: string | null;
}

/** The hotkey the node works as: its secret signs tasks, receipts, weights and proofs. */
export interface WorkingHotkey {
  secretKey: Uint8Array;
  /** hex */
  publicKey: string;
  peerId: string;
}

export function nodeKeyPath(dataDir: string): string {
  return path.join(dataDir, 'p2p', 'node-key.json');
}

async function readNodeKey(file: string): Promise<NodeKey | null> {
  let raw: { privateKey?: unknown; hotkey?: unknown };
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as typeof raw;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: unreadable (${(error as Error).message})`, { cause: error });
  }
  if (typeof raw.privateKey !== 'string') throw new Error(`${file}: privateKey missing`);
  const bytes = Uint8Array.from(Buffer.from(raw.privateKey, 'base64'));
  const key = privateKeyFromProtobuf(bytes);
  const hotkey = typeof raw.hotkey === 'string' ? raw.hotkey : null;
  const peerId = peerIdFromPrivateKey(key).toString();
  if (hotkey !== null && peerIdFromPublicKey(Buffer.from(hotkey, 'hex')) !== peerId) {
    throw new Error(`${file}: hotkey does not match the private key`);
  }
  return { privateKeyProtobuf: bytes, peerId, hotkey };
}

export async function loadOrCreateNodeKey(dataDir: string): Promise<NodeKey> {
  const file = nodeKeyPath(dataDir);
  const existing = await readNodeKey(file);
  if (existing !== null) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = await generateKeyPair('Ed25519');
  const bytes = privateKeyToProtobuf(key);
  const peerId = peerIdFromPrivateKey(key).toString();
  const body = { peerId, privateKey: Buffer.from(bytes).toString('base64') };
  await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  return { privateKeyProtobuf: bytes, peerId, hotkey: null };
}

/**
 * Makes `secretKey` (a hotkey's 32-byte ed25519 seed) the node's identity. Returns whether the
 * peer id changed (the network must then restart to take it).
 */
export async function activateHotkey(
  dataDir: string,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
): Promise<{ changed: boolean; peerId: string }> {
  const file = nodeKeyPath(dataDir);
  const before = await readNodeKey(file).catch(() => null);
  const bytes = libp2pPrivateKeyProtobuf(secretKey, publicKey);
  const peerId = peerIdFromPublicKey(publicKey);
  if (before?.peerId === peerId && before.hotkey !== null) return { changed: false, peerId };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const body = {
    peerId,
    hotkey: toHex(publicKey),
    privateKey: Buffer.from(bytes).toString('base64'),
  };
  await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  bytes.fill(0);
  return { changed: before?.peerId !== peerId, peerId };
}

/** The hotkey the node works as, or null while it networks under a random key. */
export async function loadWorkingHotkey(dataDir: string): Promise<WorkingHotkey | null> {
  const key = await readNodeKey(nodeKeyPath(dataDir));
  if (key === null || key.hotkey === null) return null;
  const { secretKey, publicKey } = parseLibp2pPrivateKeyProtobuf(key.privateKeyProtobuf);
  return { secretKey, publicKey: toHex(publicKey), peerId: key.peerId };
}
