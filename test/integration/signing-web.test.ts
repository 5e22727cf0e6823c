/**
 * The signing firewall in web mode: a transfer asked over HTTP waits for the user's answer,
 * announced to every UI as `confirm.request`; rejecting it signs nothing and moves nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startHeadless, type HeadlessNode } from '../../electron/node/headless.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let node: HeadlessNode;
let events: WebSocket;
const received: { event: string; data: any }[] = [];
const password = 'a long enough password';

async function post(method: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${node.server.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function nextRequest(): Promise<any> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = received.find((e) => e.event === 'confirm.request');
    if (found) {
      received.splice(received.indexOf(found), 1);
      return found.data;
    }
    assert.ok(Date.now() < deadline, 'a confirm.request event arrived');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  node = await startHeadless({ dataDir: await tempDir(), port: 0, staticDir: null });
  events = new WebSocket(
    `${node.server.origin.replace('http', 'ws')}/api/events?token=${node.token}`,
  );
  await new Promise((resolve) => events.once('open', resolve));
  events.on('message', (data) => received.push(JSON.parse(String(data))));
});
after(async () => {
  events.close();
  await node.close();
});

test('a transfer waits for approval; rejected moves nothing, approved is included', async () => {
  const alice = (await post('wallet.create', { name: 'alice', password })).json.wallet;
  const bob = (await post('wallet.create', { name: 'bob', password })).json.wallet;
  await post('wallet.unlock', { name: 'alice', password });
  await post('node.start', {});
  const deadline = Date.now() + 20_000;
  while ((await post('chain.status', {})).json.height < 1) {
    assert.ok(Date.now() < deadline, 'the local network produced a block');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const transfer = { wallet: 'alice', to: bob.coldkey.address, amount: '2.25', waitMs: 10_000 };
  const beforeAlice = (await post('chain.balance', { address: alice.coldkey.address })).json;

  const pendingReject = post('chain.transfer', transfer);
  const request = await nextRequest();
  assert.equal(request.title, 'Send TAO');
  assert.equal(request.wallet, 'alice');
  const lines = Object.fromEntries(request.lines.map((l: any) => [l.label, l.value]));
  assert.equal(lines.To, bob.coldkey.address);
  assert.equal(lines.Amount, '2.25 TAO');
  assert.match(lines.From, new RegExp(alice.coldkey.address));
  assert.deepEqual(
    (await post('confirm.pending', {})).json.map((r: any) => r.id),
    [request.id],
  );
  assert.equal((await post('confirm.respond', { id: request.id, approve: false })).status, 200);
  const rejected = await pendingReject;
  assert.equal(rejected.status, 400);
  assert.equal(rejected.json.error.code, 'WALLET_SIGNING_REJECTED');
  assert.deepEqual(
    (await post('chain.balance', { address: alice.coldkey.address })).json,
    beforeAlice,
  );
  assert.equal((await post('chain.status', {})).json.mempool, 0);
  const again = await post('confirm.respond', { id: request.id, approve: true });
  assert.equal(again.status, 400);
  assert.equal(again.json.error.code, 'WALLET_CONFIRM_UNKNOWN');

  const pendingApprove = post('chain.transfer', transfer);
  const second = await nextRequest();
  await post('confirm.respond', { id: second.id, approve: true });
  const sent = await pendingApprove;
  assert.equal(sent.status, 200, JSON.stringify(sent.json));
  const bobBalance = (await post('chain.balance', { address: bob.coldkey.address })).json;
  assert.equal(BigInt(bobBalance.free), 2_250_000_000n);
  assert.ok(received.some((e) => e.event === 'confirm.settled' && e.data.id === second.id));

  const trusted = await post('chain.transfer', { ...transfer, confirmed: true });
  assert.equal(trusted.status, 200, 'a trusted HTTP client may pre-confirm');
});
