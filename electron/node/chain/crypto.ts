/**
 * The chain's cryptographic primitives, each behind one function so a change is made once:
 * blake2b-256 (noble) for every hash, ed25519 signing (noble) and verification.
 *
 * Verification uses Node's built-in ed25519 (OpenSSL; BoringSSL inside Electron) because noble's
 * pure-JS verify measured 1,200/s on this machine, below the 3,000 transfers/s target, against
 * about 13,000/s native. Both native libraries compute the cofactorless RFC 8032 check
 * `encode([S]B − [k]A) == R`; the strict canonical-form checks below (S < L, A and R with y < p)
 * run first in JavaScript so that every node, whichever library it links, accepts exactly the same
 * signatures, and a signature cannot be re-encoded into a second valid form (no malleability).
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { bytesToHex, hexToBytes as nobleHexToBytes } from '@noble/hashes/utils.js';

export type Hex = string;

export function hash256(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 32 });
}

export function toHex(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Lower-case hex only (the chain's one textual form of keys and hashes). */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) throw new TypeError('not lower-case hex');
  return nobleHexToBytes(hex);
}

export function isHex(value: unknown, bytes: number): value is Hex {
  return typeof value === 'string' && value.length === bytes * 2 && HEX_RE.test(value);
}

export const ZERO_HASH: Hex = '00'.repeat(32);

// Group order L and field prime p of edwards25519.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

function leToBigint(bytes: Uint8Array, clearTop: boolean): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    let b = bytes[i] as number;
    if (clearTop && i === bytes.length - 1) b &= 0x7f;
    x = (x << 8n) | BigInt(b);
  }
  return x;
}

function canonicalPoint(bytes: Uint8Array): boolean {
  return leToBigint(bytes, true) < P;
}

const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const keyCache = new Map<string, KeyObject | null>();
const KEY_CACHE_MAX = 4096;

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const id = bytesToHex(publicKey);
  const hit = keyCache.get(id);
  if (hit !== undefined) return hit;
  let key: KeyObject | null;
  try {
    const der = new Uint8Array(44);
    der.set(SPKI_PREFIX, 0);
    der.set(publicKey, 12);
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    key = null;
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(id, key);
  return key;
}

/** Strict RFC 8032 ed25519 verification; false (never a throw) for any malformed input. */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (!canonicalPoint(publicKey) || !canonicalPoint(signature.subarray(0, 32))) return false;
  if (leToBigint(signature.subarray(32, 64), false) >= L) return false;
  const key = publicKeyObject(publicKey);
  if (key === null) return false;
  try {
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Deterministic RFC 8032 signature with a 32-byte ed25519 secret seed. */
export function signMessage(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey);
}

export function randomSecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}
