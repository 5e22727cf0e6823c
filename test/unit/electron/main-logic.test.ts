/** The Electron main process's decisions, as plain functions: URLs, paths, bounds, tray, args. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  APP_START_URL,
  decideNavigation,
  decideWindowOpen,
  findAppRoot,
  isExternalWebUrl,
  isOurUrl,
  parseMainArgs,
  parseWindowState,
  resolveAppPath,
  restoreBounds,
  shouldHideOnClose,
  toIpcError,
  trayMenuModel,
  windowOptions,
} from '../../../electron/main-logic.ts';
import { NoesisError } from '../../../electron/node/errors.ts';

test('isOurUrl accepts only app://noesis/', () => {
  assert.equal(isOurUrl(APP_START_URL), true);
  assert.equal(isOurUrl('app://noesis/assets/x.js?v=1#top'), true);
  for (const url of [
    'app://noesis.evil/index.html',
    'app://evil/index.html',
    'app://user:pw@noesis/index.html',
    'http://noesis/index.html',
    'file:///index.html',
    'https://example.org/',
    'not a url',
    '',
    null,
    undefined,
  ]) {
    assert.equal(isOurUrl(url), false, String(url));
  }
});

test('navigation: ours allowed, web links external, everything else denied', () => {
  assert.equal(decideNavigation('app://noesis/index.html'), 'allow');
  assert.equal(decideNavigation('https://example.org/'), 'open-external');
  assert.equal(decideNavigation('http://example.org/'), 'open-external');
  assert.equal(decideNavigation('file:///etc/passwd'), 'deny');
  assert.equal(decideNavigation('javascript:alert(1)'), 'deny');
  assert.equal(decideWindowOpen('app://noesis/index.html'), 'deny');
  assert.equal(decideWindowOpen('https://example.org/'), 'open-external');
  assert.equal(isExternalWebUrl('smb://host/share'), false);
});

test('resolveAppPath stays inside the renderer folder', () => {
  const root = path.resolve('/srv/renderer');
  assert.equal(resolveAppPath(root, 'app://noesis/'), path.join(root, 'index.html'));
  assert.equal(resolveAppPath(root, 'app://noesis/assets/a.js'), path.join(root, 'assets', 'a.js'));
  assert.equal(resolveAppPath(root, 'app://noesis/a%20b.css'), path.join(root, 'a b.css'));
  // The URL parser itself drops a literal or %2e-encoded `..`: still inside the root.
  assert.equal(resolveAppPath(root, 'app://noesis/%2e%2e/secret'), path.join(root, 'secret'));
  for (const url of [
    'app://noesis/..%2fsecret',
    'app://noesis/assets/..%2f..%2fsecret',
    'app://noesis/a%5c..%5c..%5csecret',
    'app://noesis/a%00.js',
    'app://noesis/%E0%A4%A',
    'app://other/index.html',
    'https://noesis/index.html',
  ]) {
    assert.equal(resolveAppPath(root, url), null, url);
  }
});

test('windowOptions: isolated, sandboxed, no Node, web security on', () => {
  const options = windowOptions({ preload: '/p/preload.cjs' });
  assert.equal(options.webPreferences?.contextIsolation, true);
  assert.equal(options.webPreferences?.sandbox, true);
  assert.equal(options.webPreferences?.nodeIntegration, false);
  assert.equal(options.webPreferences?.webSecurity, true);
  assert.equal(options.webPreferences?.preload, '/p/preload.cjs');
  assert.equal(options.show, false);
  const placed = windowOptions({ preload: 'p', bounds: { x: 1, y: 2, width: 900, height: 700 } });
  assert.deepEqual([placed.x, placed.y, placed.width, placed.height], [1, 2, 900, 700]);
});

test('restoreBounds: only on a visible display, shrunk to fit it', () => {
  const screens = [
    { x: 0, y: 0, width: 1920, height: 1080 },
    { x: 1920, y: 0, width: 1280, height: 1024 },
  ];
  const saved = { x: 100, y: 100, width: 1000, height: 700 };
  assert.deepEqual(restoreBounds(saved, screens), saved);
  assert.deepEqual(restoreBounds({ ...saved, x: 2000 }, screens), { ...saved, x: 2000 });
  assert.equal(restoreBounds({ ...saved, x: 4000 }, screens), null, 'display gone');
  assert.equal(restoreBounds({ ...saved, y: -500 }, screens), null, 'title bar above the screen');
  assert.equal(restoreBounds({ ...saved, x: -500 }, screens)?.x, -500, 'partly visible is fine');
  assert.equal(
    restoreBounds({ ...saved, x: -950, width: 1000 }, screens),
    null,
    'only 50 px visible',
  );
  assert.deepEqual(restoreBounds({ x: 1920, y: 0, width: 3000, height: 2000 }, screens), {
    x: 1920,
    y: 0,
    width: 1280,
    height: 1024,
  });
  assert.equal(restoreBounds(null, screens), null);
  assert.equal(restoreBounds(saved, []), null);
});

test('parseWindowState ignores junk', () => {
  assert.equal(parseWindowState(null), null);
  assert.equal(parseWindowState('{'), null);
  assert.equal(parseWindowState('{"x":"1"}'), null);
  assert.deepEqual(parseWindowState('{"x":1,"y":2,"width":3,"height":4}'), {
    x: 1,
    y: 2,
    width: 3,
    height: 4,
    maximized: false,
  });
});

test('tray menu follows the node state', () => {
  const labels = (state: Parameters<typeof trayMenuModel>[0]) =>
    Object.fromEntries(
      trayMenuModel(state)
        .filter((item) => item.action)
        .map((item) => [item.label, item.enabled]),
    );
  assert.deepEqual(labels('stopped'), {
    'Start node': true,
    'Stop node': false,
    'Show Noesis': true,
    Quit: true,
  });
  assert.deepEqual(labels('running'), {
    'Start node': false,
    'Stop node': true,
    'Show Noesis': true,
    Quit: true,
  });
  assert.equal(labels('stopping')['Start node'], false);
  assert.equal(labels('error')['Start node'], true);
  assert.equal(trayMenuModel('running')[0]?.label, 'Node running');
});

test('close hides only a running node with closeToTray, never while quitting', () => {
  const base = { quitting: false, closeToTray: true, nodeState: 'running' as const };
  assert.equal(shouldHideOnClose(base), true);
  assert.equal(shouldHideOnClose({ ...base, nodeState: 'starting' }), true);
  assert.equal(shouldHideOnClose({ ...base, quitting: true }), false);
  assert.equal(shouldHideOnClose({ ...base, closeToTray: false }), false);
  assert.equal(shouldHideOnClose({ ...base, nodeState: 'stopped' }), false);
});

test('parseMainArgs reads --data-dir and --port, and refuses bad values', () => {
  assert.deepEqual(parseMainArgs(['electron', 'main.js']), { dataDir: undefined, port: undefined });
  assert.deepEqual(
    parseMainArgs(['electron', 'main.js', '--no-sandbox', '--data-dir', '/d', '--port=7421']),
    { dataDir: '/d', port: 7421 },
  );
  assert.deepEqual(parseMainArgs(['x', '--data-dir=/e', '--port', '0']), {
    dataDir: '/e',
    port: 0,
  });
  for (const argv of [
    ['--port', '70000'],
    ['--port', '-1'],
    ['--port', '1.5'],
    ['--data-dir'],
    ['--data-dir', '--port', '1'],
    ['--data-dir='],
  ]) {
    assert.throws(() => parseMainArgs(argv), { code: 'MAIN_BAD_ARGUMENT' }, argv.join(' '));
  }
});

test('findAppRoot walks up to package.json', () => {
  const has = (dir: string) => dir === path.resolve('/app');
  assert.equal(findAppRoot('/app/dist/electron', has), path.resolve('/app'));
  assert.equal(findAppRoot('/app', has), path.resolve('/app'));
  assert.throws(() => findAppRoot('/elsewhere', has));
});

test('toIpcError keeps typed errors and hides internals', () => {
  const typed = toIpcError(new NoesisError('API_BAD_INPUT', 'bad "x"', { field: 'x' }));
  assert.deepEqual(typed, { code: 'API_BAD_INPUT', message: 'bad "x"', data: { field: 'x' } });
  assert.deepEqual(toIpcError(new Error('at /home/me/secret')), {
    code: 'API_INTERNAL',
    message: 'internal error',
    data: {},
  });
});
