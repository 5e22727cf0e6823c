import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { dispatch } from '../../../electron/node/api/dispatch.ts';
import { configPath } from '../../../electron/node/config.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { NodeRuntime } from '../../../electron/node/runtime.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

test('config.update validates, saves and applies the wallet auto-lock at once', async (t) => {
  const runtime = await NodeRuntime.open({ dataDir: await tempDir(), mode: 'web' });
  t.after(() => runtime.close());
  const updated: any = await dispatch(runtime.handlers, 'config.update', {
    wallet: { autoLockMinutes: 3 },
    ui: { closeToTray: false },
  });
  assert.equal(updated.wallet.autoLockMinutes, 3);
  assert.equal(updated.ui.closeToTray, false);
  assert.equal(updated.web.host, '127.0.0.1', 'untouched sections keep their values');
  assert.equal(runtime.wallets.autoLockMs, 3 * 60_000);
  const saved = JSON.parse(await readFile(configPath(runtime.dataDir), 'utf8'));
  assert.equal(saved.wallet.autoLockMinutes, 3);
  assert.deepEqual(await dispatch(runtime.handlers, 'config.get', {}), updated);
});

test('a bad setting is refused with its field named, and nothing is saved', async (t) => {
  const runtime = await NodeRuntime.open({ dataDir: await tempDir(), mode: 'web' });
  t.after(() => runtime.close());
  const before = structuredClone(runtime.config);
  await assert.rejects(
    dispatch(runtime.handlers, 'config.update', { wallet: { autoLockMinutes: -5 } }),
    (error) =>
      isNoesisError(error, 'API_BAD_INPUT') && error.data.field === 'wallet.autoLockMinutes',
  );
  await assert.rejects(
    dispatch(runtime.handlers, 'config.update', { ui: { sparkles: true } }),
    (error) => isNoesisError(error, 'API_BAD_INPUT') && /sparkles/.test(error.message),
  );
  assert.deepEqual(runtime.config, before);
  await assert.rejects(readFile(configPath(runtime.dataDir)), { code: 'ENOENT' });
});

test('a patch of one field leaves the other fields of its section as they were', async (t) => {
  const runtime = await NodeRuntime.open({ dataDir: await tempDir(), mode: 'web' });
  t.after(() => runtime.close());
  const peer = '/ip4/192.0.2.1/tcp/30333/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
  await dispatch(runtime.handlers, 'config.update', { p2p: { bootstrap: [peer], mdns: false } });
  await dispatch(runtime.handlers, 'config.update', { ui: { theme: 'dark', locale: 'fr' } });
  const updated: any = await dispatch(runtime.handlers, 'config.update', {
    p2p: { upnp: false },
    ui: { closeToTray: false },
  });
  assert.deepEqual(updated.p2p.bootstrap, [peer], 'not reset to the default []');
  assert.equal(updated.p2p.mdns, false, 'not reset to the default true');
  assert.equal(updated.p2p.upnp, false);
  assert.equal(updated.ui.theme, 'dark');
  assert.equal(updated.ui.locale, 'fr');
  const saved = JSON.parse(await readFile(configPath(runtime.dataDir), 'utf8'));
  assert.deepEqual(saved.p2p.bootstrap, [peer]);
  assert.equal(saved.ui.theme, 'dark');
});

test('two patches sent at once both land (they are applied one after the other)', async (t) => {
  const runtime = await NodeRuntime.open({ dataDir: await tempDir(), mode: 'web' });
  t.after(() => runtime.close());
  await Promise.all([
    dispatch(runtime.handlers, 'config.update', { ui: { theme: 'dark' } }),
    dispatch(runtime.handlers, 'config.update', { wallet: { autoLockMinutes: 7 } }),
    dispatch(runtime.handlers, 'config.update', { inference: { threads: 1 } }),
  ]);
  assert.equal(runtime.config.ui.theme, 'dark');
  assert.equal(runtime.config.wallet.autoLockMinutes, 7);
  assert.equal(runtime.config.inference.threads, 1);
  const saved = JSON.parse(await readFile(configPath(runtime.dataDir), 'utf8'));
  assert.equal(saved.ui.theme, 'dark');
  assert.equal(saved.wallet.autoLockMinutes, 7);
  assert.equal(saved.inference.threads, 1);
});
