import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// BIP-39 test vector: 128 bits of zero entropy.
const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PASSWORD = { NOESIS_PASSWORD: 'correct horse battery staple' };

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walletsDir = path.join(dir, 'wallets');
  for (const file of readdirSync(walletsDir)) {
    out[file] = readFileSync(path.join(walletsDir, file), 'utf8');
  }
  return out;
}

test('create, list, show and new-hotkey through the CLI', async () => {
  const dataDir = await tempDir();
  const created = await runCli(
    ['wallet', 'create', '--name', 'alice', '--words', '24', '--data-dir', dataDir, '--json'],
    { env: PASSWORD },
  );
  assert.equal(created.code, 0, created.stderr);
  const wallet = JSON.parse(created.stdout);
  assert.equal(wallet.mnemonic.split(' ').length, 24);
  assert.match(wallet.coldkey, /^5[1-9A-HJ-NP-Za-km-z]{47}$/);
  const keystore = readFileSync(path.join(dataDir, 'wallets', 'alice.json'), 'utf8');
  assert.ok(!keystore.includes(wallet.mnemonic.split(' ').slice(0, 3).join(' ')));
  assert.equal(statSync(path.join(dataDir, 'wallets', 'alice.json')).mode & 0o777, 0o600);

  const list = await runCli(['wallet', 'list', '--json', '--data-dir', dataDir]);
  assert.equal(list.code, 0);
  const wallets = JSON.parse(list.stdout);
  assert.equal(wallets.length, 1);
  assert.equal(wallets[0].name, 'alice');
  assert.equal(wallets[0].coldkey, wallet.coldkey);
  assert.deepEqual(wallets[0].hotkeys, wallet.hotkeys);
  assert.ok(!list.stdout.includes('mnemonic'));

  const hotkey = await runCli(
    ['wallet', 'new-hotkey', '--name', 'alice', '--data-dir', dataDir, '--json'],
    { env: PASSWORD },
  );
  assert.equal(hotkey.code, 0, hotkey.stderr);
  assert.equal(JSON.parse(hotkey.stdout).index, 1);
  const shown = JSON.parse(
    (await runCli(['wallet', 'show', '--name', 'alice', '--json', '--data-dir', dataDir])).stdout,
  );
  assert.equal(shown.hotkeys.length, 2);
  assert.equal(shown.hotkeys[1], JSON.parse(hotkey.stdout).address);
});

test('import from a mnemonic file restores the same keys; the password may come from a file', async () => {
  const dataDir = await tempDir();
  const words = path.join(dataDir, 'words.txt');
  writeFileSync(words, ABANDON + '\n');
  const passwordFile = path.join(dataDir, 'pw.txt');
  writeFileSync(passwordFile, 'another long password\n');
  const first = await runCli([
    'wallet',
    'import',
    '--name',
    'one',
    '--mnemonic-file',
    words,
    '--password-file',
    passwordFile,
    '--data-dir',
    dataDir,
    '--json',
  ]);
  assert.equal(first.code, 0, first.stderr);
  const second = await runCli(
    [
      'wallet',
      'import',
      '--name',
      'two',
      '--mnemonic-file',
      words,
      '--data-dir',
      dataDir,
      '--json',
    ],
    { env: PASSWORD },
  );
  const a = JSON.parse(first.stdout);
  const b = JSON.parse(second.stdout);
  assert.equal(a.coldkey, b.coldkey);
  assert.deepEqual(a.hotkeys, b.hotkeys);
});

test('bad input: a wrong word is named, a wrong password and an existing name change nothing', async () => {
  const dataDir = await tempDir();
  await runCli(['wallet', 'create', '--name', 'alice', '--data-dir', dataDir], { env: PASSWORD });
  const before = snapshot(dataDir);

  const words = path.join(dataDir, 'words.txt');
  writeFileSync(words, ABANDON.replace('about', 'abuot'));
  const badWord = await runCli(
    ['wallet', 'import', '--name', 'bob', '--mnemonic-file', words, '--data-dir', dataDir],
    { env: PASSWORD },
  );
  assert.equal(badWord.code, 1);
  assert.match(badWord.stderr, /Word 12 \("abuot"\)/);

  const exists = await runCli(['wallet', 'create', '--name', 'alice', '--data-dir', dataDir], {
    env: PASSWORD,
  });
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /already exists/);

  const wrong = await runCli(['wallet', 'new-hotkey', '--name', 'alice', '--data-dir', dataDir], {
    env: { NOESIS_PASSWORD: 'not the password' },
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /password/i);

  const noPassword = await runCli(
    ['wallet', 'new-hotkey', '--name', 'alice', '--data-dir', dataDir],
    { env: { NOESIS_PASSWORD: '' } },
  );
  assert.equal(noPassword.code, 1);
  assert.match(noPassword.stderr, /NOESIS_PASSWORD or pass --password-file/);

  const badCount = await runCli(
    ['wallet', 'create', '--name', 'carol', '--words', '13', '--data-dir', dataDir],
    { env: PASSWORD },
  );
  assert.equal(badCount.code, 1);
  assert.deepEqual(snapshot(dataDir), before);
});
