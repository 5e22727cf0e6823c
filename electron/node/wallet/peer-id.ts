/**
 * libp2p identity from a hotkey: the node's peer id is derived from the active hotkey, so the
 * encrypted channel itself proves which hotkey answers.
 *
 * Encodings (libp2p peer-id spec, implemented here without depending on libp2p):
 *   PrivateKey protobuf = 08 01 12 40 || seed(32) || publicKey(32)   (Type=Ed25519, Data=64 bytes)
 *     accepted by libp2p 3's `privateKeyFromProtobuf`; the 64 raw bytes by `privateKeyFromRaw`.
 *   PublicKey protobuf  = 08 01 12 20 || publicKey(32)
 *   peer id             = base58btc( identity multihash 00 24 || PublicKey protobuf )  → "12D3KooW…"
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { base58 } from '@scure/base';
import { walletError, WalletErrorCode } from './errors.ts';

const ED25519_PRIVATE_HEADER = Uint8Array.of(0x08, 0x01, 0x12, 0x40);
const ED25519_PUBLIC_HEADER = Uint8Array.of(0x08, 0x01, 0x12, 0x20);
const IDENTITY_MULTIHASH_HEADER = Uint8Array.of(0x00, 0x24);

function checkKey(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw walletError(WalletErrorCode.BAD_KEY, `An ed25519 ${what} has 32 bytes`);
  }
}

/** The 64 raw bytes libp2p's `privateKeyFromRaw` takes: seed || publicKey. A secret: wipe it. */
export function libp2pRawPrivateKey(secretKey: Uint8Array, publicKey?: Uint8Array): Uint8Array {
  checkKey(secretKey, 'secret key');
  const pub = publicKey ?? ed25519.getPublicKey(secretKey);
  checkKey(pub, 'public key');
  return concatBytes(secretKey, pub);
}

/** The protobuf bytes libp2p's `privateKeyFromProtobuf` takes. A secret: wipe it when done. */
export function libp2pPrivateKeyProtobuf(
  secretKey: Uint8Array,
  publicKey?: Uint8Array,
): Uint8Array {
  const raw = libp2pRawPrivateKey(secretKey, publicKey);
  const out = concatBytes(ED25519_PRIVATE_HEADER, raw);
  raw.fill(0);
  return out;
}

export function libp2pPublicKeyProtobuf(publicKey: Uint8Array): Uint8Array {
  checkKey(publicKey, 'public key');
  return concatBytes(ED25519_PUBLIC_HEADER, publicKey);
}

/** The peer id string ("12D3KooW…") of an ed25519 public key. */
export function peerIdFromPublicKey(publicKey: Uint8Array): string {
  return base58.encode(concatBytes(IDENTITY_MULTIHASH_HEADER, libp2pPublicKeyProtobuf(publicKey)));
}

/** The ed25519 public key inside an Ed25519 peer id; throws BAD_KEY for anything else. */
export function publicKeyFromPeerId(peerId: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(peerId);
  } catch {
    throw walletError(WalletErrorCode.BAD_KEY, 'This peer id is not base58btc');
  }
  const header = concatBytes(IDENTITY_MULTIHASH_HEADER, ED25519_PUBLIC_HEADER);
  if (bytes.length !== header.length + 32 || !header.every((b, i) => bytes[i] === b)) {
    throw walletError(WalletErrorCode.BAD_KEY, 'This peer id is not an Ed25519 identity peer id');
  }
  return bytes.slice(header.length);
}

/**
 * Reads an Ed25519 PrivateKey protobuf back into seed and public key, checking that the public
 * half matches the seed. Accepts only the canonical 68-byte form that `libp2pPrivateKeyProtobuf`
 * writes.
 */
export function parseLibp2pPrivateKeyProtobuf(bytes: Uint8Array): {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
} {
  if (
    !(bytes instanceof Uint8Array) ||
    bytes.length !== 68 ||
    !ED25519_PRIVATE_HEADER.every((b, i) => bytes[i] === b)
  ) {
    throw walletError(WalletErrorCode.BAD_KEY, 'Not an Ed25519 libp2p PrivateKey protobuf');
  }
  const secretKey = bytes.slice(4, 36);
  const publicKey = bytes.slice(36, 68);
  const derived = ed25519.getPublicKey(secretKey);
  if (!derived.every((b, i) => publicKey[i] === b)) {
    secretKey.fill(0);
    throw walletError(WalletErrorCode.BAD_KEY, 'The public half does not match the private key');
  }
  return { secretKey, publicKey };
}
