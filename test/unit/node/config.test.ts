import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  ConfigErrorCode,
  DEFAULT_WEB_PORT,
  configPath,
  loadConfig,
  saveConfig,
} from '../../../electron/node/config.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

test('a missing config file means the defaults', async () => {
  const dir = await tempDir();
  const config = await loadConfig(dir);
  assert.equal(config.web.host, '127.0.0.1');
  assert.equal(config.web.port, DEFAULT_WEB_PORT);
  assert.equal(config.node.autoStart, true);
  assert.equal(config.ui.closeToTray, true);
  assert.equal(config.logs.level, 'info');
});

test('a partial config keeps the other defaults', async () => {
  const dir = await tempDir();
  await writeFile(configPath(dir), JSON.stringify({ web: { port: 9000 } }));
  const config = await loadConfig(dir);
  assert.equal(config.web.port, 9000);
  assert.equal(config.web.host, '127.0.0.1');
  assert.equal(config.node.autoStart, true);
});

test('a bad value is refused with its field named, and the file is left as it was', async () => {
  const dir = await tempDir();
  const text = JSON.stringify({ web: { port: 70000 } });
  await writeFile(configPath(dir), text);
  await assert.rejects(
    loadConfig(dir),
    (error) =>
      isNoesisError(error, ConfigErrorCode.INVALID) &&
      error.data.field === 'web.port' &&
      error.message.includes('config.json'),
  );
  assert.equal(await readFile(configPath(dir), 'utf8'), text);
});

test('an unknown key and broken JSON are refused', async () => {
  const dir = await tempDir();
  await writeFile(configPath(dir), JSON.stringify({ web: { prot: 1 } }));
  await assert.rejects(loadConfig(dir), (error) => isNoesisError(error, ConfigErrorCode.INVALID));
  await writeFile(configPath(dir), '{"web": ');
  await assert.rejects(
    loadConfig(dir),
    (error) =>
      isNoesisError(error, ConfigErrorCode.INVALID) && /not valid JSON/.test(error.message),
  );
});

test('saveConfig round-trips through validation', async () => {
  const dir = await tempDir();
  const config = await loadConfig(dir);
  config.ui.theme = 'dark';
  await saveConfig(dir, config);
  assert.equal((await loadConfig(dir)).ui.theme, 'dark');
});
