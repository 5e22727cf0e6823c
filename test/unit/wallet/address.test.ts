/** SS58 addresses against known Substrate accounts, round trips, and refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { base58 } from '@scure/base';
import { isNoesisError } from '../../../electron/node/errors.ts';
import {
  decodeAddress,
  encodeAddress,
  isValidAddress,
  SS58_PREFIX,
} from '../../../electron/node/wallet/address.ts';
import { WalletErrorCode } from '../../../electron/node/wallet/errors.ts';

// Substrate development accounts (//Alice, //Bob, //Charlie), as published by Substrate tooling.
const KNOWN: [string, number, string][] = [
  [
    'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    42,
    '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  ],
  [
    '8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48',
    42,
    '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  ],
  [
    '90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22',
    42,
    '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y',
  ],
  // Alice on Polkadot (prefix 0) and Kusama (prefix 2): same key, other checksums.
  [
    'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    0,
    '15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5',
  ],
  [
    'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    2,
    'HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F',
  ],
];

function code(expected: string, reason?: string) {
  return (error: unknown): boolean => {
    assert.ok(isNoesisError(error, expected), `expected ${expected}, got ${String(error)}`);
    if (reason !== undefined) assert.equal(error.data.reason, reason);
    return true;
  };
}

describe('SS58', () => {
  for (const [key, prefix, address] of KNOWN) {
    it(`encodes and decodes ${address} (prefix ${prefix})`, () => {
      assert.equal(encodeAddress(hexToBytes(key), prefix), address);
      assert.equal(bytesToHex(decodeAddress(address, prefix)), key);
    });
  }

  it('uses prefix 42 by default', () => {
    assert.equal(SS58_PREFIX, 42);
    assert.equal(encodeAddress(hexToBytes(KNOWN[0]![0])), KNOWN[0]![2]);
  });

  it('round-trips random keys', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const address = encodeAddress(key);
      assert.match(address, /^5/u);
      assert.deepEqual(decodeAddress(address), key);
    }
  });

  it('refuses an address whose checksum fails', () => {
    const alice = KNOWN[0]![2];
    // Change one character in the middle: still base58, still 35 bytes, checksum no longer matches.
    const i = 20;
    const typo = alice.slice(0, i) + (alice[i] === 'a' ? 'b' : 'a') + alice.slice(i + 1);
    assert.throws(() => decodeAddress(typo), code(WalletErrorCode.BAD_ADDRESS, 'checksum'));
    assert.throws(() => decodeAddress(typo), /checksum/u);
    assert.equal(isValidAddress(typo), false);
    // Flip one checksum byte directly.
    const bytes = base58.decode(alice);
    bytes[34] = (bytes[34] as number) ^ 0xff;
    assert.throws(
      () => decodeAddress(base58.encode(bytes)),
      code(WalletErrorCode.BAD_ADDRESS, 'checksum'),
    );
  });

  it('refuses another network, bad characters and wrong lengths', () => {
    assert.throws(() => decodeAddress(KNOWN[3]![2]), code(WalletErrorCode.BAD_ADDRESS, 'prefix'));
    assert.throws(
      () => decodeAddress('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut0Y'),
      code(WalletErrorCode.BAD_ADDRESS, 'base58'),
    );
    assert.throws(
      () => decodeAddress(KNOWN[0]![2].slice(0, -1)),
      code(WalletErrorCode.BAD_ADDRESS, 'length'),
    );
    assert.throws(() => decodeAddress(''), code(WalletErrorCode.BAD_ADDRESS, 'length'));
    assert.throws(() => encodeAddress(new Uint8Array(31)), code(WalletErrorCode.BAD_KEY));
    assert.throws(
      () => encodeAddress(new Uint8Array(32), 64),
      code(WalletErrorCode.BAD_ADDRESS, 'prefix'),
    );
    assert.equal(isValidAddress(KNOWN[1]![2]), true);
  });
});
