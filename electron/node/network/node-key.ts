/**
 * The node's network identity: an Ed25519 libp2p key kept in `<dataDir>/p2p/node-key.json`
 * (mode 0600, unencrypted), created on first start.
 *
 * Decision: not the wallet's hotkey. A node must find peers and sync from the moment it starts,
 * headless and unattended, while wallets stay locked until their owner types the password (the
 * same reason the chain signs blocks with its own consensus key, local-network.ts). The key
 * controls no funds and names nothing on chain; when multi-validator consensus lands, a validator
 * that unlocks its wallet can announce its hotkey's identity (WalletService.nodeIdentity).
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.ts';

export interface NodeKey {
  privateKeyProtobuf: Uint8Array;
  peerId: string;
}

export function nodeKeyPath(dataDir: string): string {
  return path.join(dataDir, 'p2p', 'node-key.json');
}

export async function loadOrCreateNodeKey(dataDir: string): Promise<NodeKey> {
  const file = nodeKeyPath(dataDir);
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as { privateKey?: unknown };
    if (typeof raw.privateKey !== 'string') throw new Error(`${file}: privateKey missing`);
    const bytes = Uint8Array.from(Buffer.from(raw.privateKey, 'base64'));
    const key = privateKeyFromProtobuf(bytes);
    return { privateKeyProtobuf: bytes, peerId: peerIdFromPrivateKey(key).toString() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = await generateKeyPair('Ed25519');
  const bytes = privateKeyToProtobuf(key);
  const peerId = peerIdFromPrivateKey(key).toString();
  const body = { peerId, privateKey: Buffer.from(bytes).toString('base64') };
  await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  return { privateKeyProtobuf: bytes, peerId };
}
