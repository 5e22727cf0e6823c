import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMnemonic } from '../../../electron/node/wallet/api.ts';

const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

test('checkMnemonic accepts a valid mnemonic in any case and spacing', () => {
  const result = checkMnemonic(`  ${ABANDON.toUpperCase().replaceAll(' ', '   ')} `);
  assert.deepEqual(result, { valid: true, wordCount: 12, badWords: [], checksumFailed: false });
});

test('checkMnemonic points out each wrong word with its index and suggestions', () => {
  const words = ABANDON.split(' ');
  words[3] = 'abandn';
  words[11] = 'zzzz';
  const result = checkMnemonic(words.join(' '));
  assert.equal(result.valid, false);
  assert.deepEqual(
    result.badWords.map((bad) => [bad.index, bad.word]),
    [
      [3, 'abandn'],
      [11, 'zzzz'],
    ],
  );
  assert.ok(result.badWords[0]!.suggestions.includes('abandon'));
});

test('checkMnemonic tells a checksum failure from a wrong word and an incomplete list', () => {
  const swapped = checkMnemonic(ABANDON.replace('about', 'abandon'));
  assert.equal(swapped.valid, false);
  assert.equal(swapped.checksumFailed, true);
  const partial = checkMnemonic('abandon abandon');
  assert.deepEqual(partial, { valid: false, wordCount: 2, badWords: [], checksumFailed: false });
});
