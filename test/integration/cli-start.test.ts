import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, startNodeProcess, REPO_ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;

test('noesis --version prints the package version', async () => {
  const result = await runCli(['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), version);
});

test('noesis --help lists start and its options', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /start/);
  const start = await runCli(['start', '--help']);
  assert.match(start.stdout, /--data-dir/);
  assert.match(start.stdout, /--port/);
  assert.match(start.stdout, /--headless/);
});

test('noesis start --headless prints the web ui line, serves the API, and shuts down cleanly', async () => {
  const dataDir = await tempDir();
  const node = await startNodeProcess(['--headless', '--data-dir', dataDir, '--port', '0']);
  try {
    const lines = node.output().split('\n');
    assert.ok(lines.some((line) => /^web ui: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/.test(line)));
    const apiFile = path.join(dataDir, 'api.json');
    assert.ok(existsSync(apiFile));
    assert.equal(statSync(apiFile).mode & 0o777, 0o600);
    const res = await fetch(`${node.origin}/api/app.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}` },
      body: '{}',
    });
    const info: any = await res.json();
    assert.equal(info.mode, 'web');
    assert.equal(info.dataDir, dataDir);
  } finally {
    assert.equal(await node.stop('SIGTERM'), 0);
  }
  assert.ok(!existsSync(path.join(dataDir, 'api.json')), 'api.json removed on shutdown');
  const log = readFileSync(path.join(dataDir, 'logs', 'noesis.log'), 'utf8');
  assert.match(log, /"msg":"noesis closed"/);
  const lifecycle = JSON.parse(readFileSync(path.join(dataDir, 'lifecycle.json'), 'utf8'));
  assert.equal(lifecycle.running, false);
  assert.equal(lifecycle.lastStop.reason, 'shutdown');
});

test('SIGINT also stops the node in order', async () => {
  const dataDir = await tempDir();
  const node = await startNodeProcess(['--headless', '--data-dir', dataDir, '--port', '0']);
  assert.equal(await node.stop('SIGINT'), 0);
  const lifecycle = JSON.parse(readFileSync(path.join(dataDir, 'lifecycle.json'), 'utf8'));
  assert.equal(lifecycle.lastStop.reason, 'shutdown');
});

test('without --headless and without Electron, one line says why and the UI is served', async () => {
  const dataDir = await tempDir();
  const node = await startNodeProcess(['--data-dir', dataDir, '--port', '0'], {
    env: { DISPLAY: '' },
  });
  try {
    const lines = node.output().trim().split('\n');
    assert.match(lines[0]!, /^Desktop window unavailable: .+; running headless/);
    assert.match(lines[1]!, /^web ui: /);
  } finally {
    await node.stop();
  }
});

test('a data folder that cannot be written gets one clear line and exit code 1', async () => {
  const dir = await tempDir();
  const blocker = path.join(dir, 'a-file');
  writeFileSync(blocker, 'not a folder');
  const result = await runCli(['start', '--headless', '--data-dir', path.join(blocker, 'data')]);
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^noesis: data folder .+ cannot be written \(ENOTDIR\)$/);
  assert.equal(readFileSync(blocker, 'utf8'), 'not a folder');
});

test('a bad port is refused by the CLI', async () => {
  const result = await runCli(['start', '--headless', '--port', 'http']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /port/);
});
