/**
 * Loads `electron/main.ts` and `electron/preload.ts` with `electron` mocked (node:test's
 * `mock.module`, which needs `--experimental-test-module-mocks`) and drives the real node
 * runtime on a temporary data folder: security settings, CSP, navigation, the single-instance
 * lock, the IPC binding of every contract method, the tray, close-to-tray, quit and signals.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, mock, test, type TestContext } from 'node:test';
import type { ElectronModule, NoesisApp } from '../../../electron/main.ts';
import {
  electronModuleExports,
  fake,
  fakeEvent,
  type FakeBrowserWindow,
  type FakeTray,
} from './fake-electron.ts';

mock.module('electron', { exports: electronModuleExports() });

const electron = (await import('electron')) as unknown as ElectronModule;
const { startApp } = await import('../../../electron/main.ts');
const { methodNames } = await import('../../../electron/node/api/contract.ts');
const { APP_START_URL, appContentSecurityPolicy } = await import('../../../electron/main-logic.ts');

const rendererBase = await mkdtemp(path.join(tmpdir(), 'noesis-renderer-'));
const rendererDir = path.join(rendererBase, 'renderer');
await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
await writeFile(
  path.join(rendererDir, 'index.html'),
  '<!doctype html><title>Noesis</title><script type="module" src="./assets/app.js"></script>',
);
await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log("noesis")');
await writeFile(path.join(rendererBase, 'noesis-secret.txt'), 'secret');
after(() => rm(rendererBase, { recursive: true, force: true }));

interface Launched {
  noesis: NoesisApp;
  dataDir: string;
  lines: string[];
  window: FakeBrowserWindow;
  tray: FakeTray;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function quitAndWait(noesis: NoesisApp): Promise<void> {
  electron.app.quit();
  await noesis.closed;
}

async function launch(
  t: TestContext,
  options: { config?: unknown; argv?: string[]; handleSignals?: boolean; dataDir?: string } = {},
): Promise<Launched> {
  fake.reset();
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'noesis-main-')));
  if (options.config !== undefined) {
    await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(options.config));
  }
  const lines: string[] = [];
  const starting = startApp(
    electron,
    ['/opt/electron', 'dist/electron/main.js', '--data-dir', dataDir, ...(options.argv ?? [])],
    {
      rendererDir,
      handleSignals: options.handleSignals ?? false,
      print: (line) => lines.push(line),
    },
  );
  // What Electron needs before its ready event was done synchronously.
  assert.equal(fake.state.schemes.length, 1, 'app:// registered before ready');
  assert.equal(fake.state.paths.get('userData'), path.join(dataDir, 'electron'));
  fake.becomeReady();
  const noesis = await starting;
  assert.ok(noesis, `app started (${lines.join(' | ')})`);
  t.after(async () => {
    if (!fake.state.quitted) await quitAndWait(noesis);
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  const window = fake.state.windows[0];
  const tray = fake.state.trays[0];
  assert.ok(window && tray);
  return { noesis, dataDir, lines, window, tray };
}

const STOPPED = { node: { autoStart: false } };

test('the window is sandboxed, isolated, without Node, and loads our app:// page', async (t) => {
  const { window } = await launch(t, { config: STOPPED });
  const prefs = window.options.webPreferences as Record<string, unknown>;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.webviewTag, false);
  assert.match(String(prefs.preload), /preload\.cjs$/);
  assert.equal(window.url, APP_START_URL);
  assert.deepEqual(fake.state.schemes, [
    {
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
});

test('permission requests and checks are denied (but copying from our page)', async (t) => {
  await launch(t, { config: STOPPED });
  const request = (permission: string, requestingUrl: string) => {
    let granted: boolean | null = null;
    fake.state.permissionRequest?.({}, permission, (answer: boolean) => (granted = answer), {
      requestingUrl,
    });
    return granted;
  };
  assert.equal(request('media', APP_START_URL), false);
  assert.equal(request('notifications', APP_START_URL), false);
  assert.equal(request('clipboard-sanitized-write', APP_START_URL), true);
  assert.equal(request('clipboard-sanitized-write', 'https://evil.example/'), false);
  assert.equal(fake.state.permissionCheck?.({}, 'geolocation', 'app://noesis'), false);
  assert.equal(fake.state.permissionCheck?.({}, 'clipboard-sanitized-write', 'app://noesis'), true);
});

test('served pages carry a strict CSP, and paths outside the renderer are refused', async (t) => {
  await launch(t, { config: STOPPED });
  const handler = fake.state.protocolHandlers.get('app');
  assert.ok(handler);
  const page = await handler(new Request('app://noesis/'));
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.equal(csp, appContentSecurityPolicy());
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.match(await page.text(), /<title>Noesis<\/title>/);

  const script = await handler(new Request('app://noesis/assets/app.js'));
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  assert.ok(script.headers.get('content-security-policy'));

  for (const url of [
    'app://noesis/%2e%2e/noesis-secret.txt',
    'app://noesis/..%2fnoesis-secret.txt',
    'app://noesis/assets/..%5c..%5cnoesis-secret.txt',
    'app://other/index.html',
  ]) {
    const response = await handler(new Request(url));
    assert.ok(response.status === 403 || response.status === 404, `${url} → ${response.status}`);
    assert.doesNotMatch(await response.text(), /secret/);
  }
  assert.equal((await handler(new Request('app://noesis/missing.js'))).status, 404);
});

test('navigation away and new windows are blocked; web links go to the system browser', async (t) => {
  const { window } = await launch(t, { config: STOPPED });
  const navigate = (url: string) => {
    const event = fakeEvent();
    window.webContents.emit('will-navigate', event, url);
    return event.defaultPrevented;
  };
  assert.equal(navigate('app://noesis/index.html#/wallet'), false, 'our own page may load');
  assert.equal(navigate('https://example.org/docs'), true);
  assert.equal(navigate('file:///etc/passwd'), true);
  assert.equal(navigate('app://noesis.evil/index.html'), true);
  assert.deepEqual(fake.state.opened, ['https://example.org/docs']);
  const redirect = fakeEvent();
  window.webContents.emit('will-redirect', redirect, 'https://example.org/elsewhere');
  assert.equal(redirect.defaultPrevented, true);
  assert.deepEqual(fake.state.opened, ['https://example.org/docs'], 'redirects never open');

  const open = window.webContents.windowOpenHandler;
  assert.ok(open);
  assert.deepEqual(open({ url: 'https://example.org/new' }), { action: 'deny' });
  assert.deepEqual(open({ url: 'app://noesis/index.html' }), { action: 'deny' });
  assert.deepEqual(open({ url: 'javascript:alert(1)' }), { action: 'deny' });
  assert.deepEqual(fake.state.opened, ['https://example.org/docs', 'https://example.org/new']);

  const webview = fakeEvent();
  window.webContents.emit('will-attach-webview', webview, {}, {});
  assert.equal(webview.defaultPrevented, true);
});

test('a second instance quits; the first one shows its window', async (t) => {
  const { window } = await launch(t, { config: STOPPED });
  window.hide();
  electron.app.emit('second-instance', fakeEvent(), [], '/');
  assert.equal(window.visible, true);
  assert.ok(window.focused > 0);

  // The second process: the lock is taken, so it quits before opening anything.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'noesis-second-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const firstListeners = electron.app.listenerCount('before-quit');
  const quitsBefore = fake.state.quitCalls;
  fake.state.lock = false;
  const second = await startApp(electron, ['electron', 'main.js', '--data-dir', dataDir], {
    rendererDir,
    handleSignals: false,
    print: () => undefined,
  });
  assert.equal(second, null);
  assert.equal(fake.state.quitCalls, quitsBefore + 1);
  assert.equal(fake.state.windows.length, 1, 'no window of its own');
  assert.equal(electron.app.listenerCount('before-quit'), firstListeners);
  await assert.rejects(readFile(path.join(dataDir, 'config.json')));
  fake.state.lock = true;
});

test('every contract method is bound to IPC, and bad input is refused without effect', async (t) => {
  const { noesis } = await launch(t, { config: STOPPED });
  const channels = [...fake.state.ipcHandlers.keys()].sort();
  assert.deepEqual(channels, methodNames.map((name) => `noesis:${name}`).sort());

  const handler = fake.state.ipcHandlers.get('noesis:node.start');
  assert.ok(handler);
  const before = noesis.runtime.node.status();
  const ours = { senderFrame: { url: 'app://noesis/index.html' } };
  const refused = (await handler(ours, { force: true })) as {
    ok: boolean;
    error: { code: string; message: string; data: { field: string } };
  };
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, 'API_BAD_INPUT');
  assert.equal(refused.error.data.field, 'force');
  assert.deepEqual(structuredClone(refused), refused, 'the error survives structured clone');
  assert.deepEqual(noesis.runtime.node.status(), before, 'node.status unchanged');

  const foreign = (await handler({ senderFrame: { url: 'https://evil.example/' } }, {})) as {
    ok: boolean;
    error: { code: string };
  };
  assert.equal(foreign.ok, false);
  assert.equal(foreign.error.code, 'IPC_FORBIDDEN_SENDER');
  const detached = (await handler({ senderFrame: null }, {})) as { ok: boolean };
  assert.equal(detached.ok, false);
  assert.deepEqual(noesis.runtime.node.status(), before, 'foreign calls change nothing');

  const info = (await fake.state.ipcHandlers.get('noesis:app.info')?.(ours, {})) as {
    ok: true;
    result: { mode: string; dataDir: string };
  };
  assert.equal(info.ok, true);
  assert.equal(info.result.mode, 'electron');
  assert.equal(info.result.dataDir, noesis.dataDir);
});

test('the preload exposes only window.noesis {call, onEvent}; call rejects with the contract code', async (t) => {
  const { noesis } = await launch(t, { config: STOPPED });
  await import('../../../electron/preload.ts');
  assert.deepEqual([...fake.state.exposed.keys()], ['noesis']);
  const bridge = fake.state.exposed.get('noesis') as {
    call(method: string, input?: unknown): Promise<unknown>;
    onEvent(listener: (event: { event: string; data: unknown }) => void): () => void;
  };
  assert.deepEqual(Object.keys(bridge).sort(), ['call', 'onEvent']);

  const status = (await bridge.call('node.status', {})) as { state: string };
  assert.equal(status.state, 'stopped');

  await assert.rejects(bridge.call('node.start', { now: 1 }), (error: unknown) => {
    assert.deepEqual(Object.keys(error as object).sort(), ['code', 'data', 'message']);
    const payload = error as { code: string; data: { field: string }; message: string };
    assert.equal(payload.code, 'API_BAD_INPUT');
    assert.equal(payload.data.field, 'now');
    assert.match(payload.message, /now/);
    return true;
  });
  assert.equal(noesis.runtime.node.status().state, 'stopped');
  await assert.rejects(bridge.call('no.such', {}), { code: 'API_UNKNOWN_METHOD' });
  await assert.rejects(bridge.call('constructor', {}), { code: 'API_UNKNOWN_METHOD' });

  const events: Array<{ event: string; data: unknown }> = [];
  const unsubscribe = bridge.onEvent((event) => events.push(event));
  const started = (await bridge.call('node.start')) as { state: string };
  assert.equal(started.state, 'running');
  const states = events
    .filter((event) => event.event === 'node.status')
    .map((event) => (event.data as { state: string }).state);
  assert.ok(states.includes('running'), `events: ${states.join(', ')}`);
  for (const event of events) assert.deepEqual(Object.keys(event), ['event', 'data']);
  unsubscribe();
  const count = events.length;
  await bridge.call('node.stop');
  assert.equal(events.length, count, 'no events after unsubscribe');

  fake.state.senderUrl = 'https://evil.example/';
  await assert.rejects(bridge.call('node.status'), { code: 'IPC_FORBIDDEN_SENDER' });
});

test('the tray offers Start node / Stop node / Quit, and Start starts the node', async (t) => {
  const { noesis, tray } = await launch(t, { config: STOPPED });
  const item = (label: string) => tray.menu?.items.find((entry) => entry.label === label);
  for (const label of ['Start node', 'Stop node', 'Show Noesis', 'Quit']) {
    assert.ok(item(label), `tray has ${label}`);
  }
  assert.equal(item('Start node')?.enabled, true);
  assert.equal(item('Stop node')?.enabled, false);
  assert.match(tray.tooltip, /stopped/);

  item('Start node')?.click?.();
  await waitFor(() => noesis.runtime.node.status().state === 'running', 'node running');
  assert.equal(item('Start node')?.enabled, false, 'menu rebuilt from the new status');
  assert.equal(item('Stop node')?.enabled, true);
  assert.match(tray.tooltip, /running/);
  assert.ok(item('Node running'));

  item('Stop node')?.click?.();
  await waitFor(() => noesis.runtime.node.status().state === 'stopped', 'node stopped');
  assert.equal(noesis.runtime.node.status().lastStop?.reason, 'user');
});

test('closing the window while the node runs hides it to the tray (closeToTray)', async (t) => {
  const { noesis, window } = await launch(t, { config: STOPPED });
  await noesis.runtime.node.start();
  window.show();
  window.close();
  assert.equal(window.destroyed, false, 'window kept');
  assert.equal(window.visible, false, 'window hidden');
  assert.equal(fake.state.quitCalls, 0, 'app not quitting');
  assert.equal(noesis.runtime.node.status().state, 'running');

  // With the node stopped, closing the window quits the app.
  await noesis.runtime.node.stop('user');
  window.close();
  assert.equal(window.destroyed, true);
  await noesis.closed;
  assert.equal(fake.state.quitted, true);
});

test('with closeToTray off, closing the window quits and stops the node (shutdown)', async (t) => {
  const { noesis, window, dataDir } = await launch(t, {
    config: { node: { autoStart: false }, ui: { closeToTray: false } },
  });
  await noesis.runtime.node.start();
  window.close();
  assert.equal(window.destroyed, true);
  await noesis.closed;
  assert.equal(fake.state.quitted, true);
  assert.equal(noesis.runtime.node.status().state, 'stopped');
  const lifecycle = JSON.parse(await readFile(path.join(dataDir, 'lifecycle.json'), 'utf8')) as {
    wantRunning: boolean;
    lastStop: { reason: string };
  };
  assert.equal(lifecycle.lastStop.reason, 'shutdown');
  assert.equal(lifecycle.wantRunning, true, 'comes back on the next start');
});

test('Quit holds the exit until the node is stopped and the runtime closed', async (t) => {
  const { noesis, tray } = await launch(t, { config: STOPPED });
  await noesis.runtime.node.start();
  tray.menu?.items.find((entry) => entry.label === 'Quit')?.click?.();
  assert.equal(fake.state.quitted, false, 'before-quit prevented while closing');
  await noesis.closed;
  await waitFor(() => fake.state.quitted, 'quit completed');
  assert.equal(noesis.runtime.node.status().state, 'stopped');
  assert.equal(noesis.runtime.node.status().lastStop?.reason, 'shutdown');
  assert.equal(tray.destroyed, true);
});

test('SIGTERM quits the same way', async (t) => {
  const before = new Set(process.listeners('SIGTERM'));
  const { noesis } = await launch(t, { config: STOPPED, handleSignals: true });
  await noesis.runtime.node.start();
  const ours = process.listeners('SIGTERM').filter((listener) => !before.has(listener));
  assert.equal(ours.length, 1);
  ours[0]?.('SIGTERM');
  await noesis.closed;
  assert.equal(noesis.runtime.node.status().lastStop?.reason, 'shutdown');
  assert.equal(process.listeners('SIGTERM').length, before.size, 'handlers removed');
});

test('window bounds are remembered, and not restored off-screen', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'noesis-bounds-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(STOPPED));

  const first = await launch(t, { dataDir });
  first.window.setBounds({ x: 200, y: 150, width: 1000, height: 700 });
  await quitAndWait(first.noesis);
  const saved = JSON.parse(await readFile(path.join(dataDir, 'window-state.json'), 'utf8'));
  assert.deepEqual(saved, { x: 200, y: 150, width: 1000, height: 700, maximized: false });

  const second = await launch(t, { dataDir });
  assert.equal(second.window.options.x, 200);
  assert.equal(second.window.options.y, 150);
  assert.equal(second.window.options.width, 1000);
  await quitAndWait(second.noesis);

  await writeFile(
    path.join(dataDir, 'window-state.json'),
    JSON.stringify({ x: 5000, y: 3000, width: 1000, height: 700, maximized: false }),
  );
  const third = await launch(t, { dataDir });
  assert.equal(third.window.options.x, undefined, 'off-screen bounds ignored');
  assert.equal(third.window.options.width, 1200);
  await quitAndWait(third.noesis);
});

test('a bad --port is one clear line and exit code 1', async () => {
  fake.reset();
  const lines: string[] = [];
  const result = await startApp(electron, ['electron', 'main.js', '--port', 'eighty'], {
    rendererDir,
    handleSignals: false,
    print: (line) => lines.push(line),
  });
  assert.equal(result, null);
  assert.equal(fake.state.exitCode, 1);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /--port must be a whole number/);
});

test('a data folder that cannot be written is one clear line and exit code 1', async (t) => {
  fake.reset();
  const parent = await mkdtemp(path.join(tmpdir(), 'noesis-ro-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const blocker = path.join(parent, 'file');
  await writeFile(blocker, 'not a folder');
  const lines: string[] = [];
  const starting = startApp(
    electron,
    ['electron', 'main.js', '--data-dir', path.join(blocker, 'data')],
    {
      rendererDir,
      handleSignals: false,
      print: (line) => lines.push(line),
    },
  );
  fake.becomeReady();
  assert.equal(await starting, null);
  assert.equal(fake.state.exitCode, 1);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /cannot be written/);
  assert.equal(fake.state.errorBoxes.length, 1);
});

test('signing from the renderer needs the main-process dialog, even if it claims confirmed', async (t) => {
  const { noesis } = await launch(t, { config: STOPPED });
  const ours = { senderFrame: { url: 'app://noesis/index.html' } };
  const call = async (method: string, input: unknown): Promise<any> => {
    const handler = fake.state.ipcHandlers.get(`noesis:${method}`);
    assert.ok(handler, method);
    return handler(ours, input);
  };
  const password = 'a long enough password';
  const alice = await call('wallet.create', { name: 'alice', password });
  const bob = await call('wallet.create', { name: 'bob', password });
  assert.ok(alice.ok && bob.ok);
  assert.equal((await call('wallet.unlock', { name: 'alice', password })).ok, true);
  assert.equal((await call('node.start', {})).result.state, 'running');
  const deadline = Date.now() + 20_000;
  while ((await call('chain.status', {})).result.height < 1) {
    assert.ok(Date.now() < deadline, 'the local network produced a block');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const from = alice.result.wallet.coldkey.address;
  const to = bob.result.wallet.coldkey.address;
  const before = (await call('chain.balance', { address: from })).result;

  fake.state.messageBoxResponse = 0;
  const transfer = { wallet: 'alice', to, amount: '1.5', confirmed: true, waitMs: 10_000 };
  const rejected = await call('chain.transfer', transfer);
  assert.equal(rejected.ok, false);
  assert.equal(rejected.error.code, 'WALLET_SIGNING_REJECTED');
  const shown = fake.state.messageBoxes[0];
  assert.ok(shown, 'the dialog was shown although the renderer said confirmed');
  assert.equal(shown.message, 'Send TAO');
  assert.match(shown.detail ?? '', new RegExp(`To: ${to}`));
  assert.match(shown.detail ?? '', /Amount: 1\.5 TAO/);
  assert.match(shown.detail ?? '', /Fee: /);
  assert.equal(shown.buttons[0], 'Reject');
  assert.deepEqual((await call('chain.balance', { address: from })).result, before);
  assert.equal((await call('chain.status', {})).result.mempool, 0);

  fake.state.messageBoxResponse = 1;
  const sent = await call('chain.transfer', transfer);
  assert.equal(sent.ok, true, JSON.stringify(sent.error));
  assert.equal(fake.state.messageBoxes.length, 2);
  const after = (await call('chain.balance', { address: to })).result;
  assert.equal(BigInt(after.free), 1_500_000_000n);
  noesis.runtime.wallets.lock();
});
