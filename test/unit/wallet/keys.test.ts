/** Known-answer tests: RFC 8032 ed25519, BIP-39 (Trezor vectors), SLIP-0010 ed25519 vectors 1 and 2. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { WalletErrorCode } from '../../../electron/node/wallet/errors.ts';
import {
  COLDKEY_PATH,
  deriveColdkey,
  deriveHotkey,
  entropyToWords,
  hotkeyPath,
  isMnemonicWord,
  keyPairFromSecret,
  mnemonicSeed,
  newMnemonic,
  normalizeMnemonic,
  parsePath,
  sign,
  slip10Derive,
  STANDALONE_HOTKEY_PATH,
  verify,
} from '../../../electron/node/wallet/keys.ts';

// RFC 8032 section 7.1, TEST 1 to TEST 3: secret key, public key, message, signature.
const RFC8032 = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

// trezor/python-mnemonic vectors.json, "english": [entropy, mnemonic, seed with passphrase "TREZOR"].
const BIP39: [string, string, string][] = [
  [
    '00000000000000000000000000000000',
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
  ],
  [
    '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
    'legal winner thank year wave sausage worth useful legal winner thank yellow',
    '2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607',
  ],
  [
    '80808080808080808080808080808080',
    'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
    'd71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8',
  ],
  [
    'ffffffffffffffffffffffffffffffff',
    'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong',
    'ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069',
  ],
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art',
    'bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8',
  ],
  [
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote',
    'dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad',
  ],
  [
    '9e885d952ad362caeb4efe34a8e91bd2',
    'ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic',
    '274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028',
  ],
  [
    '68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c',
    'hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length',
    '64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440',
  ],
  [
    '6610b25967cdcca9d59875f5cb50b0ea75433311869e930b',
    'gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog',
    '628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac',
  ],
  [
    'f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f',
    'void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold',
    '01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998',
  ],
];

// SLIP-0010 "Test vector 1 for ed25519" and "Test vector 2 for ed25519": path, chain code, private,
// public (the spec writes ed25519 public keys with a 00 prefix byte).
const SLIP10: { seed: string; chain: [string, string, string, string][] }[] = [
  {
    seed: '000102030405060708090a0b0c0d0e0f',
    chain: [
      [
        'm',
        '90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb',
        '2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7',
        '00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed',
      ],
      [
        "m/0'",
        '8b59aa11380b624e81507a27fedda59fea6d0b779a778918a2fd3590e16e9c69',
        '68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3',
        '008c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c',
      ],
      [
        "m/0'/1'",
        'a320425f77d1b5c2505a6b1b27382b37368ee640e3557c315416801243552f14',
        'b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2',
        '001932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187',
      ],
      [
        "m/0'/1'/2'",
        '2e69929e00b5ab250f49c3fb1c12f252de4fed2c1db88387094a0f8c4c9ccd6c',
        '92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9',
        '00ae98736566d30ed0e9d2f4486a64bc95740d89c7db33f52121f8ea8f76ff0fc1',
      ],
      [
        "m/0'/1'/2'/2'",
        '8f6d87f93d750e0efccda017d662a1b31a266e4a6f5993b15f5c1f07f74dd5cc',
        '30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662',
        '008abae2d66361c879b900d204ad2cc4984fa2aa344dd7ddc46007329ac76c429c',
      ],
      [
        "m/0'/1'/2'/2'/1000000000'",
        '68789923a0cac2cd5a29172a475fe9e0fb14cd6adb5ad98a3fa70333e7afa230',
        '8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793',
        '003c24da049451555d51a7014a37337aa4e12d41e485abccfa46b47dfb2af54b7a',
      ],
    ],
  },
  {
    seed: 'fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542',
    chain: [
      [
        'm',
        'ef70a74db9c3a5af931b5fe73ed8e1a53464133654fd55e7a66f8570b8e33c3b',
        '171cb88b1b3c1db25add599712e36245d75bc65a1a5c9e18d76f9f2b1eab4012',
        '008fe9693f8fa62a4305a140b9764c5ee01e455963744fe18204b4fb948249308a',
      ],
      [
        "m/0'",
        '0b78a3226f915c082bf118f83618a618ab6dec793752624cbeb622acb562862d',
        '1559eb2bbec5790b0c65d8693e4d0875b1747f4970ae8b650486ed7470845635',
        '0086fab68dcb57aa196c77c5f264f215a112c22a912c10d123b0d03c3c28ef1037',
      ],
      [
        "m/0'/2147483647'",
        '138f0b2551bcafeca6ff2aa88ba8ed0ed8de070841f0c4ef0165df8181eaad7f',
        'ea4f5bfe8694d8bb74b7b59404632fd5968b774ed545e810de9c32a4fb4192f4',
        '005ba3b9ac6e90e83effcd25ac4e58a1365a9e35a3d3ae5eb07b9e4d90bcf7506d',
      ],
      [
        "m/0'/2147483647'/1'",
        '73bd9fff1cfbde33a1b846c27085f711c0fe2d66fd32e139d3ebc28e5a4a6b90',
        '3757c7577170179c7868353ada796c839135b3d30554bbb74a4b1e4a5a58505c',
        '002e66aa57069c86cc18249aecf5cb5a9cebbfd6fadeab056254763874a9352b45',
      ],
      [
        "m/0'/2147483647'/1'/2147483646'",
        '0902fe8a29f9140480a00ef244bd183e8a13288e4412d8389d140aac1794825a',
        '5837736c89570de861ebc173b1086da4f505d4adb387c6a1b1342d5e4ac9ec72',
        '00e33c0f7d81d843c572275f287498e8d408654fdf0d1e065b84e2e6f157aab09b',
      ],
      [
        "m/0'/2147483647'/1'/2147483646'/2'",
        '5d70af781f3a37b829f0d060924d5e960bdc02e85423494afc0b1a41bbe196d4',
        '551d333177df541ad876a60ea71f00447931c0a9da16f227c11ea080d7391b8d',
        '0047150c75db263559a70d5778bf36abbab30fb061ad69f69ece61a72b0cfa4fc0',
      ],
    ],
  },
];

function assertCode(code: string, extra?: (e: Record<string, unknown>) => void) {
  return (error: unknown): boolean => {
    assert.ok(isNoesisError(error, code), `expected ${code}, got ${String(error)}`);
    extra?.(error.data as Record<string, unknown>);
    return true;
  };
}

describe('ed25519 (RFC 8032 section 7.1)', () => {
  for (const [i, v] of RFC8032.entries()) {
    it(`TEST ${i + 1}: public key, signature and verification`, () => {
      const kp = keyPairFromSecret(hexToBytes(v.secret));
      assert.equal(bytesToHex(kp.publicKey), v.public);
      const message = hexToBytes(v.message);
      const signature = sign(message, kp.secretKey);
      assert.equal(bytesToHex(signature), v.signature);
      assert.equal(verify(signature, message, kp.publicKey), true);
      const tampered = signature.slice();
      tampered[0] = (tampered[0] as number) ^ 1;
      assert.equal(verify(tampered, message, kp.publicKey), false);
      assert.equal(verify(signature, Uint8Array.of(1, 2, 3), kp.publicKey), false);
    });
  }
});

describe('BIP-39 (Trezor reference vectors, English, passphrase "TREZOR")', () => {
  for (const [entropy, mnemonic, seed] of BIP39) {
    it(`${mnemonic.split(' ').length} words: ${mnemonic.split(' ').slice(0, 3).join(' ')} …`, async () => {
      assert.equal(entropyToWords(hexToBytes(entropy)), mnemonic);
      assert.equal(bytesToHex(mnemonicToEntropy(mnemonic, wordlist)), entropy);
      assert.equal(bytesToHex(await mnemonicSeed(mnemonic, 'TREZOR')), seed);
      const words = mnemonic.split(' ').length;
      if (words === 12 || words === 24) assert.equal(normalizeMnemonic(mnemonic), mnemonic);
    });
  }
});

describe('mnemonic checking', () => {
  const good = BIP39[0]![1];

  it('normalizes case and spacing', () => {
    assert.equal(normalizeMnemonic(`  ${good.toUpperCase().replaceAll(' ', ' \n\t ')}  `), good);
  });

  it('names the first word that is not in the list, with its index and suggestions', () => {
    const words = good.split(' ');
    words[4] = 'abandn';
    assert.throws(
      () => normalizeMnemonic(words.join(' ')),
      assertCode(WalletErrorCode.BAD_MNEMONIC_WORD, (d) => {
        assert.equal(d.index, 4);
        assert.equal(d.position, 5);
        assert.equal(d.word, 'abandn');
        assert.ok((d.suggestions as string[]).includes('abandon'));
      }),
    );
    assert.throws(() => normalizeMnemonic(words.join(' ')), /Word 5 \("abandn"\)/u);
  });

  it('reports a bad checksum when every word is in the list', () => {
    const bad = 'abandon '.repeat(11) + 'abandon';
    assert.throws(() => normalizeMnemonic(bad), assertCode(WalletErrorCode.BAD_MNEMONIC_CHECKSUM));
    // Two words swapped in a valid phrase.
    const swapped = BIP39[6]![1].split(' ');
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    assert.throws(
      () => normalizeMnemonic(swapped.join(' ')),
      assertCode(WalletErrorCode.BAD_MNEMONIC_CHECKSUM),
    );
  });

  it('accepts 12 or 24 words only', () => {
    assert.throws(
      () => normalizeMnemonic(BIP39[8]![1]),
      assertCode(WalletErrorCode.BAD_MNEMONIC_LENGTH, (d) => assert.equal(d.count, 18)),
    );
    assert.throws(() => normalizeMnemonic(''), assertCode(WalletErrorCode.BAD_MNEMONIC_LENGTH));
    assert.throws(() => newMnemonic(18 as 12), assertCode(WalletErrorCode.BAD_MNEMONIC_LENGTH));
  });

  it('generates valid 12- and 24-word mnemonics', () => {
    for (const n of [12, 24] as const) {
      const m = newMnemonic(n);
      assert.equal(m.split(' ').length, n);
      assert.equal(normalizeMnemonic(m), m);
    }
    assert.notEqual(newMnemonic(), newMnemonic());
  });

  it('checks single words as they are typed', () => {
    assert.equal(isMnemonicWord('Zoo'), true);
    assert.equal(isMnemonicWord('zooo'), false);
  });
});

describe('SLIP-0010 ed25519 derivation', () => {
  for (const [v, vector] of SLIP10.entries()) {
    for (const [path, chainCode, privateKey, publicKey] of vector.chain) {
      it(`test vector ${v + 1}, chain ${path}`, () => {
        const node = slip10Derive(hexToBytes(vector.seed), path);
        assert.equal(bytesToHex(node.chainCode), chainCode);
        assert.equal(bytesToHex(node.key), privateKey);
        assert.equal(`00${bytesToHex(ed25519.getPublicKey(node.key))}`, publicKey);
      });
    }
  }

  it('refuses non-hardened and malformed paths', () => {
    const seed = hexToBytes(SLIP10[0]!.seed);
    for (const bad of ["m/0'/1", "m/0/1'", "0'/1'", "m/x'", "m/2147483648'", "m/-1'"]) {
      assert.throws(
        () => slip10Derive(seed, bad),
        assertCode(WalletErrorCode.BAD_DERIVATION_PATH),
        bad,
      );
    }
    assert.deepEqual(parsePath("m/44h/1H/0'"), [0x8000002c, 0x80000001, 0x80000000]);
  });
});

describe('Noesis key paths', () => {
  it('derives distinct coldkey and hotkeys from one seed, deterministically', async () => {
    const seed = await mnemonicSeed(BIP39[0]![1]);
    const cold = deriveColdkey(seed);
    const hot0 = deriveHotkey(seed, 0);
    const hot1 = deriveHotkey(seed, 1);
    const keys = [cold, hot0, hot1].map((k) => bytesToHex(k.publicKey));
    assert.equal(new Set(keys).size, 3);
    assert.equal(bytesToHex(deriveHotkey(seed, 1).publicKey), keys[2]);
    assert.equal(COLDKEY_PATH, "m/44'/5132115'/0'/0'/0'");
    assert.equal(hotkeyPath(7), "m/44'/5132115'/0'/1'/7'");
    assert.equal(STANDALONE_HOTKEY_PATH, hotkeyPath(0));
    assert.throws(() => hotkeyPath(-1), assertCode(WalletErrorCode.BAD_DERIVATION_PATH));
    assert.throws(() => hotkeyPath(2 ** 31), assertCode(WalletErrorCode.BAD_DERIVATION_PATH));
  });
});
