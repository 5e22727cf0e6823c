import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BootstrapRedialer } from '../../../electron/node/p2p/redial.ts';

describe('BootstrapRedialer', () => {
  it('backs off exponentially with a cap', () => {
    const r = new BootstrapRedialer({
      addresses: ['a'],
      dial: async () => 0,
      peerCount: () => 0,
      baseMs: 100,
      maxMs: 1000,
      random: () => 0.5,
    });
    assert.equal(r.nextDelay(), 100);
  });

  it('re-dials when the last peer leaves, growing the delay, and stops once connected', async () => {
    let peers = 0;
    const dials: number[] = [];
    const started = Date.now();
    const r = new BootstrapRedialer({
      addresses: ['/ip4/127.0.0.1/tcp/1/p2p/x', '/ip4/127.0.0.1/tcp/2/p2p/y'],
      dial: async () => {
        dials.push(Date.now() - started);
        if (dials.length >= 6) peers = 1; // third round succeeds
        throw new Error('refused');
      },
      peerCount: () => peers,
      baseMs: 20,
      maxMs: 1000,
      jitter: 0,
    });
    r.start();
    r.onDisconnected();
    assert.equal(r.scheduled, true);
    await sleep(20 + 40 + 80 + 60);
    assert.equal(r.rounds, 3);
    assert.equal(dials.length, 6, 'two addresses per round');
    assert.ok(
      (dials[4] as number) - (dials[2] as number) >= 70,
      'the third round waited about twice the second',
    );
    assert.equal(r.scheduled, false, 'connected: nothing more scheduled');
    r.onConnected();
    r.stop();
  });

  it('does nothing while peers remain or without bootstrap addresses', () => {
    const r = new BootstrapRedialer({ addresses: ['a'], dial: async () => 0, peerCount: () => 2 });
    r.start();
    r.onDisconnected();
    assert.equal(r.scheduled, false);
    const none = new BootstrapRedialer({ addresses: [], dial: async () => 0, peerCount: () => 0 });
    none.start();
    none.onDisconnected();
    assert.equal(none.scheduled, false);
    r.stop();
    none.stop();
  });
});
