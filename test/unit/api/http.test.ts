import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startHeadless, type HeadlessNode } from '../../../electron/node/headless.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

let node: HeadlessNode;
let origin: string;
let token: string;

async function post(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function nodeState(): Promise<string> {
  return node.runtime.node.status().state;
}

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('web mode API', () => {
  before(async () => {
    const dataDir = await tempDir();
    const staticDir = path.join(dataDir, 'ui');
    await mkdir(path.join(staticDir, 'assets'), { recursive: true });
    await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Noesis</title>');
    await writeFile(path.join(staticDir, 'assets', 'app.js'), 'export {};');
    await writeFile(path.join(dataDir, 'secret.txt'), 'do not serve');
    node = await startHeadless({ dataDir, port: 0, staticDir });
    origin = node.server.origin;
    token = node.token;
  });
  after(() => node.close());

  test('binds 127.0.0.1 and prints a URL carrying the token', () => {
    assert.equal(node.server.host, '127.0.0.1');
    assert.match(node.server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  test('app.info returns version, mode and data folder', async () => {
    const { status, json } = await post('app.info', {});
    assert.equal(status, 200);
    assert.equal(json.mode, 'web');
    assert.equal(json.dataDir, node.runtime.dataDir);
    assert.match(json.version, /^\d+\.\d+\.\d+/);
  });

  test('start and stop change the node state', async () => {
    assert.equal((await post('node.start', {})).json.state, 'running');
    assert.equal((await post('node.status', {})).json.state, 'running');
    assert.equal((await post('node.stop', {})).json.state, 'stopped');
    assert.equal(await nodeState(), 'stopped');
  });

  test('no token gets 401 and changes nothing', async () => {
    const before = await nodeState();
    const res = await fetch(`${origin}/api/node.start`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).error.code, 'API_UNAUTHORIZED');
    const wrong = await post('node.start', {}, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.equal(await nodeState(), before);
  });

  test('a wrong Origin gets 403 and changes nothing, even with the token', async () => {
    const before = await nodeState();
    const res = await post('node.start', {}, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'API_FORBIDDEN_ORIGIN');
    assert.equal(await nodeState(), before);
  });

  test('an unknown method gets 400 naming it', async () => {
    const res = await post('node.explode', {});
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'API_UNKNOWN_METHOD');
    assert.match(res.json.error.message, /node\.explode/);
  });

  test('malformed parameters get 400 naming the field, and change nothing', async () => {
    const before = await nodeState();
    const res = await post('logs.recent', { limit: -3 });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'API_BAD_INPUT');
    assert.equal(res.json.error.data.field, 'limit');
    const extra = await post('node.start', { now: true });
    assert.equal(extra.status, 400);
    assert.equal(extra.json.error.data.field, 'now');
    const broken = await post('node.start', '{"oops"');
    assert.equal(broken.status, 400);
    assert.equal(broken.json.error.code, 'API_BAD_JSON');
    assert.equal(await nodeState(), before);
  });

  test('an oversized body is refused', async () => {
    const res = await post('logs.recent', 'x'.repeat(1024 * 1024 + 10));
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'API_BAD_INPUT');
  });

  test('GET on an API method is refused', async () => {
    const res = await fetch(`${origin}/api/node.status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 405);
  });

  test('the page is served with a strict CSP and no token needed; files outside are not', async () => {
    const res = await fetch(`${origin}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(
      (await fetch(`${origin}/assets/app.js`)).headers.get('content-type'),
      'text/javascript; charset=utf-8',
    );
    const escape = await fetch(`${origin}/%2e%2e/secret.txt`);
    assert.notEqual(await escape.text(), 'do not serve');
  });

  test('events need the token and a good origin, then stream status changes', async () => {
    const wsUrl = `${origin.replace('http', 'ws')}/api/events`;
    await assert.rejects(openSocket(wsUrl), /HTTP 401/);
    await assert.rejects(
      openSocket(`${wsUrl}?token=${token}`, { origin: 'https://evil.example' }),
      /HTTP 403/,
    );
    const ws = await openSocket(`${wsUrl}?token=${token}`, { origin });
    const seen: string[] = [];
    const running = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.event === 'node.status') {
          seen.push(message.data.state);
          if (message.data.state === 'running') resolve();
        }
      });
    });
    await post('node.start', {});
    await running;
    assert.equal(seen[0], 'starting');
    ws.close();
    await post('node.stop', {});
  });
});
