/**
 * The built bundles, not the sources: `scripts/build-electron.ts` writes main.js and preload.cjs
 * into a folder three levels below the root (deeper than dist/electron), so the rewritten
 * `new URL(..., import.meta.url)` paths are really exercised; main.js then runs with `electron`
 * mocked, and preload.cjs is evaluated with a `require` that knows nothing but `electron`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, mock, test } from 'node:test';
import { electronModuleExports, fake } from './fake-electron.ts';
import type { ElectronModule, startApp as StartApp } from '../../../electron/main.ts';
import { buildElectron, relocateImportMetaUrls } from '../../../scripts/build-electron.ts';

mock.module('electron', { exports: electronModuleExports() });
const electron = (await import('electron')) as unknown as ElectronModule;

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const outDir = path.join(
  root,
  'node_modules',
  '.cache',
  `noesis-bundle-${randomBytes(4).toString('hex')}`,
);
after(() => rm(outDir, { recursive: true, force: true }));

test('relocateImportMetaUrls points at the same file from the bundle folder', () => {
  const source =
    "const a = new URL('../../package.json', import.meta.url); new URL('./x/', import.meta.url);";
  const moved = relocateImportMetaUrls(
    source,
    '/r/electron/node/runtime.ts',
    '/r/dist/deep/electron',
  );
  assert.equal(
    moved,
    "const a = new URL('../../../package.json', import.meta.url); new URL('../../../electron/node/x/', import.meta.url);",
  );
});

test('the built main.js runs with electron mocked and finds package.json', async (t) => {
  const files = await buildElectron(outDir);
  assert.deepEqual(files.map((file) => path.basename(file)).sort(), ['main.js', 'preload.cjs']);
  const bundle = (await import(pathToFileURL(path.join(outDir, 'main.js')).href)) as {
    startApp: typeof StartApp;
  };
  fake.reset();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'noesis-bundle-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const starting = bundle.startApp(electron, ['electron', 'main.js', '--data-dir', dataDir], {
    handleSignals: false,
    print: () => undefined,
  });
  fake.becomeReady();
  const noesis = await starting;
  assert.ok(noesis);
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  const info = (await fake.state.ipcHandlers.get('noesis:app.info')?.(
    { senderFrame: { url: 'app://noesis/index.html' } },
    {},
  )) as { ok: boolean; result: { version: string } };
  assert.equal(info.result.version, manifest.version);
  const window = fake.state.windows[0];
  assert.equal(
    (window?.options.webPreferences as { preload: string }).preload,
    path.join(outDir, 'preload.cjs'),
  );
  electron.app.quit();
  await noesis.closed;
});

test('the built preload.cjs is CommonJS that requires only electron', async () => {
  const code = await readFile(path.join(outDir, 'preload.cjs'), 'utf8');
  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`sandboxed preload cannot require ${name}`);
    return {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: { invoke: async () => ({ ok: true, result: 42 }), on() {}, removeListener() {} },
    };
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', code)(sandboxRequire, module, module.exports);
  assert.deepEqual(required, ['electron']);
  assert.deepEqual([...exposed.keys()], ['noesis']);
  const bridge = exposed.get('noesis') as { call(method: string): Promise<unknown> };
  assert.equal(await bridge.call('node.status'), 42);
});
