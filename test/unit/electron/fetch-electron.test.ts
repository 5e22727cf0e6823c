/** The postinstall never fails the install and says in one line why Electron is not there. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findElectron } from '../../../electron/node/cli/electron-binary.ts';
import { fetchElectron } from '../../../scripts/fetch-electron.ts';

const binaryPresent = findElectron({ ...process.env, DISPLAY: ':0' }).available;

test('CI or NOESIS_SKIP_ELECTRON_DOWNLOAD skips the download with one line', async (t) => {
  if (binaryPresent) return t.skip('the Electron binary is installed here');
  for (const env of [{ CI: 'true' }, { NOESIS_SKIP_ELECTRON_DOWNLOAD: '1' }]) {
    const lines: string[] = [];
    assert.equal(await fetchElectron({ env, print: (line) => lines.push(line) }), 'skipped');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /not downloading Electron/);
  }
});

test('a failing download is one line, never an error', async (t) => {
  if (binaryPresent) return t.skip('the Electron binary is installed here');
  const root = await mkdtemp(path.join(tmpdir(), 'noesis-fetch-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'node_modules', 'electron'), { recursive: true });
  await writeFile(
    path.join(root, 'node_modules', 'electron', 'install.js'),
    "console.error('RequestError: offline'); process.exit(1);",
  );
  const lines: string[] = [];
  const outcome = await fetchElectron({ root, env: {}, print: (line) => lines.push(line) });
  assert.equal(outcome, 'failed');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /Electron could not be downloaded \(RequestError: offline\)/);
  assert.match(lines[0] ?? '', /npm start will serve the UI in the browser/);

  await writeFile(
    path.join(root, 'node_modules', 'electron', 'install.js'),
    'setTimeout(() => {}, 60000);',
  );
  const slow: string[] = [];
  assert.equal(
    await fetchElectron({ root, env: {}, timeoutMs: 300, print: (l) => slow.push(l) }),
    'failed',
  );
  assert.match(slow[0] ?? '', /timed out/);
});
