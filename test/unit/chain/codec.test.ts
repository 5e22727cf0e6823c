import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from 'cborg';
import {
  decodeBlock,
  decodeCanonical,
  decodeSignedTx,
  encodeBlock,
  encodeSignedTx,
  encodeTxBody,
} from '../../../electron/node/chain/codec.ts';
import { fromHex, toHex } from '../../../electron/node/chain/crypto.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import { signTx, txHash, type TxBody, type TxCall } from '../../../electron/node/chain/tx.ts';
import { alice, aliceHot, bob, CHAIN_ID, nextBlock, testGenesis, tx } from './fixtures.ts';

const transferBody: TxBody = {
  chainId: CHAIN_ID,
  signer: alice.hex,
  nonce: 7,
  fee: 100_000n,
  kind: 'transfer',
  to: bob.hex,
  amount: 1_500_000_000n,
};

// Golden bytes: CBOR [1, "noesis-test", "transfer", signer, 7, 100000, [to, 1500000000]].
const GOLDEN_BODY =
  '87016b6e6f657369732d74657374687472616e736665725820334ee5b162254be5736660e490f03e6dfcac558c' +
  '06227934d09451d8227b388c071a000186a08258206721bb8925c2e5d0d5cd65224d4ba63c26e7287f4fb1029f' +
  '44593b0c03924bbd1a59682f00';
const GOLDEN_SIGNATURE =
  '0c8f50c1a149b8ceaba5e2cb115252ca5b4da0ee326fefaecd9d132a94e0de50c55f2f47aa1e55fa461882ad8d08' +
  'aa7c281abf6602370250e53cf73da906390d';
const GOLDEN_HASH = 'da3c53ca6751c1b2e4dfd533d1e1e89299467c35781123828aa7a26c600b58a9';

test('a transfer encodes to the golden bytes, signature and hash', () => {
  assert.equal(toHex(encodeTxBody(transferBody)), GOLDEN_BODY);
  const signed = signTx(transferBody, alice.secret);
  assert.equal(signed.signature, GOLDEN_SIGNATURE);
  assert.equal(toHex(encodeSignedTx(signed)), `82${GOLDEN_BODY}5840${GOLDEN_SIGNATURE}`);
  assert.equal(txHash(signed), GOLDEN_HASH);
});

test('the same transaction always gives the same bytes, whatever the field order', () => {
  const reordered = {
    amount: 1_500_000_000n,
    to: bob.hex,
    kind: 'transfer',
    fee: 100_000n,
    nonce: 7,
    signer: alice.hex,
    chainId: CHAIN_ID,
  } as TxBody;
  assert.deepEqual(encodeTxBody(reordered), encodeTxBody(transferBody));
  assert.deepEqual(encodeTxBody({ ...transferBody }), encodeTxBody(transferBody));
});

const calls: TxCall[] = [
  { kind: 'transfer', to: bob.hex, amount: 1n },
  { kind: 'register', netuid: 1, hotkey: aliceHot.hex, maxBurn: 10n ** 10n },
  { kind: 'add_stake', hotkey: aliceHot.hex, amount: 2n ** 64n - 1n },
  { kind: 'remove_stake', hotkey: aliceHot.hex, amount: 5n },
  { kind: 'set_take', hotkey: aliceHot.hex, take: 1000 },
  { kind: 'set_weights', netuid: 1, uids: [0, 1, 2], weights: [1, 65535, 0] },
  { kind: 'commit_weights', netuid: 1, commitHash: 'ab'.repeat(32) },
  { kind: 'reveal_weights', netuid: 1, uids: [1], weights: [7], salt: '0102' },
  { kind: 'serve', netuid: 1, addrs: ['/ip4/127.0.0.1/tcp/4001'] },
  {
    kind: 'create_subnet',
    hotkey: aliceHot.hex,
    taskType: 'embedding',
    maxLock: 10n ** 12n,
    model: null,
  },
  {
    kind: 'create_subnet',
    hotkey: aliceHot.hex,
    taskType: 'text-generation',
    maxLock: 10n ** 12n,
    model: {
      catalogId: 'smollm2-135m-instruct-q8_0',
      sha256: 'cd'.repeat(32),
      sizeBytes: 145_000_000,
      protocolVersion: 1,
      decoding: 'greedy',
      maxTokens: 32,
      contextSize: 512,
      tauMilli: 100,
      maxViolations: 1,
    },
  },
  {
    kind: 'commit_proof',
    netuid: 1,
    epoch: 7,
    root: 'ef'.repeat(32),
    entries: 12,
    secretHash: '12'.repeat(32),
    reveal: null,
  },
  {
    kind: 'commit_proof',
    netuid: 1,
    epoch: 8,
    root: '00'.repeat(32),
    entries: 0,
    secretHash: '34'.repeat(32),
    reveal: '56'.repeat(32),
  },
];

test('every transaction kind round-trips through its canonical bytes', () => {
  for (const call of calls) {
    const signed = signTx(
      { chainId: CHAIN_ID, signer: alice.hex, nonce: 3, fee: 0n, ...call } as TxBody,
      alice.secret,
    );
    const bytes = encodeSignedTx(signed);
    const back = decodeSignedTx(bytes);
    assert.deepEqual(back, signed, call.kind);
    assert.deepEqual(encodeSignedTx(back), bytes);
  }
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

test('decoding refuses anything but the one canonical form', () => {
  const bytes = encodeSignedTx(signTx(transferBody, alice.secret));
  // Trailing byte.
  assert.equal(
    code(() => decodeSignedTx(Uint8Array.of(...bytes, 0))),
    ChainErrorCode.MALFORMED,
  );
  // Non-minimal integer: nonce 7 written as a two-byte integer (0x1807).
  const hex = toHex(bytes);
  const nonMinimal = hex.replace('8c071a000186a0', '8c18071a000186a0');
  assert.notEqual(nonMinimal, hex);
  assert.equal(
    code(() => decodeSignedTx(fromHex(nonMinimal))),
    ChainErrorCode.MALFORMED,
  );
  // Indefinite-length array.
  assert.equal(
    code(() => decodeCanonical(Uint8Array.of(0x9f, 0x01, 0xff))),
    ChainErrorCode.MALFORMED,
  );
  // A float where an integer belongs.
  const withFloat = encode([
    [1, CHAIN_ID, 'transfer', fromHex(alice.hex), 7.5, 1, [fromHex(bob.hex), 1]],
    new Uint8Array(64),
  ]);
  assert.equal(
    code(() => decodeSignedTx(withFloat)),
    ChainErrorCode.MALFORMED,
  );
  // A map instead of the positional array.
  assert.equal(
    code(() => decodeSignedTx(encode({ body: 1 }))),
    ChainErrorCode.MALFORMED,
  );
  // Unknown kind.
  const unknown = encode([[1, CHAIN_ID, 'mint', fromHex(alice.hex), 0, 1, []], new Uint8Array(64)]);
  assert.equal(
    code(() => decodeSignedTx(unknown)),
    ChainErrorCode.MALFORMED,
  );
});

test('amounts outside u64 cannot be encoded or decoded', () => {
  const over = { ...transferBody, amount: 2n ** 64n };
  assert.equal(
    code(() => encodeTxBody(over)),
    ChainErrorCode.AMOUNT_OUT_OF_RANGE,
  );
  assert.equal(
    code(() => encodeTxBody({ ...transferBody, amount: -1n })),
    ChainErrorCode.AMOUNT_OUT_OF_RANGE,
  );
  // A negative CBOR integer where an amount belongs.
  const negative = encode([
    [1, CHAIN_ID, 'transfer', fromHex(alice.hex), 0, 1, [fromHex(bob.hex), -5]],
    new Uint8Array(64),
  ]);
  assert.equal(
    code(() => decodeSignedTx(negative)),
    ChainErrorCode.MALFORMED,
  );
  // 2^64 as a CBOR bignum tag is refused (no tags).
  const marked = toHex(
    encode([
      [1, CHAIN_ID, 'transfer', fromHex(alice.hex), 0, 1, [fromHex(bob.hex), 0x12345678]],
      new Uint8Array(64),
    ]),
  );
  const tagged = marked.replace('1a12345678', 'c249010000000000000000');
  assert.notEqual(tagged, marked);
  assert.equal(
    code(() => decodeSignedTx(fromHex(tagged))),
    ChainErrorCode.MALFORMED,
  );
});

test('blocks round-trip and their bytes are stable', () => {
  const s = testGenesis();
  const b = nextBlock(
    s,
    [tx(s, alice, { kind: 'transfer', to: bob.hex, amount: 10n ** 9n })],
    null,
  );
  const bytes = encodeBlock(b.block);
  assert.deepEqual(decodeBlock(bytes), b.block);
  assert.deepEqual(encodeBlock(decodeBlock(bytes)), bytes);
});
