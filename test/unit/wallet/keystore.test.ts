/** The keystore file format and the atomic writer, below the service. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { WalletErrorCode } from '../../../electron/node/wallet/errors.ts';
import {
  canonicalJson,
  checkScryptParams,
  createKeystore,
  decodeSecrets,
  encodeSecrets,
  KeystoreDir,
  type KeystorePublic,
  openKeystore,
  openWithKey,
  parseKeystore,
  sealKeystore,
  serializeKeystore,
} from '../../../electron/node/wallet/keystore.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import {
  assertUnchanged,
  FAST_KDF,
  PASSWORD,
  rejectsWith,
  snapshot,
  throwsWith,
  walletDirEntries,
} from './fixtures.ts';

const PUBLIC: KeystorePublic = {
  createdAt: '2025-01-01T00:00:00.000Z',
  coldkey: {
    address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    publicKey: 'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    path: "m/44'/5132115'/0'/0'/0'",
  },
  hotkeys: [],
};
const SECRETS = {
  mnemonic: 'not a real mnemonic, the keystore does not check',
  importedHotkeys: [],
};

describe('keystore format', () => {
  it('canonical JSON sorts keys at every depth', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } }),
      '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it('seals and opens; a fresh nonce every time; the plaintext is not in the file', async () => {
    const opened = await createKeystore('w', PUBLIC, PASSWORD, FAST_KDF, encodeSecrets(SECRETS));
    const file = opened.file;
    assert.equal(file.format, 'noesis-wallet');
    assert.equal(file.version, 1);
    assert.equal(file.cipher.name, 'xchacha20-poly1305');
    assert.deepEqual(
      { ...file.kdf, salt: undefined },
      { name: 'scrypt', ...FAST_KDF, salt: undefined },
    );
    assert.ok(!new TextDecoder().decode(serializeKeystore(file)).includes(SECRETS.mnemonic));
    const again = sealKeystore('w', PUBLIC, file.kdf, opened.key, encodeSecrets(SECRETS));
    assert.notEqual(again.cipher.nonce, file.cipher.nonce);
    assert.notEqual(again.ciphertext, file.ciphertext);

    const reopened = await openKeystore(parseKeystore(serializeKeystore(file), 'f'), PASSWORD, 'f');
    assert.deepEqual(decodeSecrets(reopened.plaintext, 'f'), SECRETS);
    await rejectsWith(openKeystore(file, 'wrong password', 'f'), WalletErrorCode.WRONG_PASSWORD);

    // The name is outside the associated data (rename needs no password); everything else is inside.
    assert.ok(openWithKey({ ...file, name: 'renamed' }, opened.key, 'f'));
    const tampered = structuredClone(file);
    tampered.public.createdAt = '2030-01-01T00:00:00.000Z';
    throwsWith(() => openWithKey(tampered, opened.key, 'f'), WalletErrorCode.WRONG_PASSWORD);
    const reordered = JSON.parse(
      JSON.stringify(Object.fromEntries(Object.entries(file).reverse())),
    );
    assert.ok(openWithKey(reordered, opened.key, 'f'), 'key order in the file must not matter');
  });

  it('refuses malformed files with KEYSTORE_CORRUPT naming the file', async () => {
    const { file } = await createKeystore('w', PUBLIC, PASSWORD, FAST_KDF, encodeSecrets(SECRETS));
    const bad: [string, unknown][] = [
      ['array', []],
      ['other format', { ...file, format: 'ethereum' }],
      ['string N', { ...file, kdf: { ...file.kdf, N: '1024' } }],
      ['N not a power of two', { ...file, kdf: { ...file.kdf, N: 1000 } }],
      ['short nonce', { ...file, cipher: { ...file.cipher, nonce: 'AAAA' } }],
      ['bad hotkey', { ...file, public: { ...file.public, hotkeys: [{ index: 'x' }] } }],
      [
        'bad public key',
        {
          ...file,
          public: { ...file.public, coldkey: { ...file.public.coldkey, publicKey: 'zz' } },
        },
      ],
      ['version 0', { ...file, version: 0 }],
    ];
    for (const [label, value] of bad) {
      const data = throwsWith(
        () => parseKeystore(utf8ToBytes(JSON.stringify(value)), '/x/w.json'),
        WalletErrorCode.KEYSTORE_CORRUPT,
      );
      assert.equal(data.file, '/x/w.json', label);
    }
    throwsWith(
      () =>
        parseKeystore(
          utf8ToBytes(JSON.stringify({ ...file, kdf: { ...file.kdf, name: 'argon2id' } })),
          'f',
        ),
      WalletErrorCode.KEYSTORE_UNSUPPORTED,
    );
    throwsWith(
      () => parseKeystore(Uint8Array.of(0xff, 0xfe), 'f'),
      WalletErrorCode.KEYSTORE_CORRUPT,
    );
    throwsWith(
      () => decodeSecrets(utf8ToBytes('{"mnemonic":1}'), 'f'),
      WalletErrorCode.KEYSTORE_CORRUPT,
    );
  });

  it('bounds the scrypt parameters a file may ask for', () => {
    assert.equal(checkScryptParams({ N: 2 ** 17, r: 8, p: 1, dkLen: 32 }), true);
    assert.equal(checkScryptParams({ N: 2 ** 20, r: 8, p: 1, dkLen: 32 }), true);
    assert.equal(checkScryptParams({ N: 2 ** 21, r: 8, p: 1, dkLen: 32 }), false); // 2 GiB
    assert.equal(checkScryptParams({ N: 2 ** 17, r: 8, p: 1, dkLen: 16 }), false);
  });
});

describe('keystore folder', () => {
  it('creates without clobbering: an existing file is refused at the link step and left intact', async () => {
    const dataDir = await tempDir('noesis-keystore-');
    const store = new KeystoreDir(dataDir);
    const { file } = await createKeystore('w', PUBLIC, PASSWORD, FAST_KDF, encodeSecrets(SECRETS));
    await store.create('w', file);
    const before = await snapshot(store.pathFor('w'));
    await rejectsWith(
      store.create('w', { ...file, ciphertext: 'AAAA' }),
      WalletErrorCode.WALLET_EXISTS,
    );
    await assertUnchanged(store.pathFor('w'), before);
    assert.deepEqual(await walletDirEntries(dataDir), ['w.json']);
  });

  it('lists only <valid-name>.json, ignoring temporary and foreign files', async () => {
    const dataDir = await tempDir('noesis-keystore-');
    const store = new KeystoreDir(dataDir);
    assert.deepEqual(await store.names(), []);
    const { file } = await createKeystore('b', PUBLIC, PASSWORD, FAST_KDF, encodeSecrets(SECRETS));
    await store.create('b', file);
    await store.create('a', file);
    await writeFile(path.join(store.dir, '.a.json.0123.tmp'), 'partial');
    await writeFile(path.join(store.dir, 'notes.txt'), 'x');
    await writeFile(path.join(store.dir, 'bad name.json'), 'x');
    assert.deepEqual(await store.names(), ['a', 'b']);
    assert.equal(store.pathFor('a'), path.join(path.resolve(dataDir), 'wallets', 'a.json'));
    throwsWith(() => store.pathFor('../a'), WalletErrorCode.BAD_NAME);
  });
});
