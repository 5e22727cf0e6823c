/**
 * SS58 addresses (the Substrate form Bittensor users know: "5…" for network prefix 42).
 *
 * address = base58( prefix || publicKey || blake2b-512("SS58PRE" || prefix || publicKey)[0..2] )
 * Only the one-byte "simple" prefixes 0..63 and 32-byte account keys are supported; Noesis itself
 * uses 42. Decoding verifies the checksum and the expected prefix and throws BAD_ADDRESS.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base58 } from '@scure/base';
import { walletError, WalletErrorCode } from './errors.ts';

export const SS58_PREFIX = 42;
const SS58PRE = utf8ToBytes('SS58PRE');

function checksum(payload: Uint8Array): Uint8Array {
  return blake2b(concatBytes(SS58PRE, payload), { dkLen: 64 }).subarray(0, 2);
}

function checkPrefix(prefix: number): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 63) {
    throw walletError(
      WalletErrorCode.BAD_ADDRESS,
      `SS58 prefix ${prefix} is not supported (0..63 only)`,
      { reason: 'prefix', prefix },
    );
  }
}

/** Encodes a 32-byte ed25519 public key as an SS58 address. */
export function encodeAddress(publicKey: Uint8Array, prefix: number = SS58_PREFIX): string {
  checkPrefix(prefix);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw walletError(WalletErrorCode.BAD_KEY, 'An SS58 account key has 32 bytes');
  }
  const payload = concatBytes(Uint8Array.of(prefix), publicKey);
  return base58.encode(concatBytes(payload, checksum(payload)));
}

/**
 * Decodes an SS58 address to its 32-byte public key, verifying the checksum and that its prefix
 * is `expectedPrefix` (42 unless told). Throws BAD_ADDRESS with data.reason saying what failed.
 */
export function decodeAddress(address: string, expectedPrefix: number = SS58_PREFIX): Uint8Array {
  checkPrefix(expectedPrefix);
  if (typeof address !== 'string' || address.length === 0 || address.length > 64) {
    throw walletError(WalletErrorCode.BAD_ADDRESS, 'This is not an SS58 address', {
      reason: 'length',
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(address.trim());
  } catch {
    throw walletError(
      WalletErrorCode.BAD_ADDRESS,
      'This address has characters that are not in the base58 alphabet',
      { reason: 'base58' },
    );
  }
  if (bytes.length !== 35) {
    throw walletError(
      WalletErrorCode.BAD_ADDRESS,
      `This address has the wrong length (${bytes.length} bytes, expected 35): a character is missing or extra`,
      { reason: 'length', length: bytes.length },
    );
  }
  const payload = bytes.subarray(0, 33);
  const expected = checksum(payload);
  if (bytes[33] !== expected[0] || bytes[34] !== expected[1]) {
    throw walletError(
      WalletErrorCode.BAD_ADDRESS,
      'This address fails its checksum: a character was mistyped. Copy it again.',
      { reason: 'checksum' },
    );
  }
  const prefix = bytes[0] as number;
  if (prefix !== expectedPrefix) {
    throw walletError(
      WalletErrorCode.BAD_ADDRESS,
      `This address is for network prefix ${prefix}, not ${expectedPrefix}`,
      { reason: 'prefix', prefix, expectedPrefix },
    );
  }
  return bytes.slice(1, 33);
}

/** True when `address` decodes with a valid checksum and the expected prefix. */
export function isValidAddress(address: string, expectedPrefix: number = SS58_PREFIX): boolean {
  try {
    decodeAddress(address, expectedPrefix);
    return true;
  } catch {
    return false;
  }
}
