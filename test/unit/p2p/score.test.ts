import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../electron/node/p2p/rate-limit.ts';
import { PeerScoreBook, PenaltyReason } from '../../../electron/node/p2p/score.ts';

describe('PeerScoreBook', () => {
  it('penalizes by reason and bans at the threshold, once', () => {
    let now = 0;
    const bans: string[] = [];
    const book = new PeerScoreBook({ now: () => now, onBan: (p, r) => bans.push(`${p}:${r}`) });
    assert.equal(book.penalize('a', PenaltyReason.MALFORMED), -10);
    assert.equal(book.penalize('a', PenaltyReason.OVERSIZED), -30);
    assert.equal(book.isBanned('a'), false);
    book.penalize('a', PenaltyReason.INVALID);
    assert.equal(book.isBanned('a'), true);
    book.penalize('a', PenaltyReason.INVALID);
    assert.deepEqual(bans, ['a:invalid']);
    assert.equal(book.view('a').penalties.invalid, 2);
    assert.equal(book.score('b'), 0);
    // The ban lasts banMs (30 min) with the score frozen, then lifts and the score decays.
    now += 29 * 60_000;
    assert.equal(book.isBanned('a'), true);
    assert.equal(book.score('a'), -50);
    now += 1 * 60_000 + 10 * 60_000;
    assert.equal(book.isBanned('a'), false);
    assert.ok(book.score('a') > -26 && book.score('a') < -24, String(book.score('a')));
  });

  it('bans at once for a fatal reason and decays minor ones', () => {
    let now = 0;
    const book = new PeerScoreBook({ now: () => now });
    book.penalize('x', PenaltyReason.INVALID_BLOCK);
    assert.equal(book.isBanned('x'), true);
    book.penalize('y', PenaltyReason.TIMEOUT);
    now += 10 * 60_000;
    assert.ok(Math.abs(book.score('y') + 1) < 1e-9);
    now += 20 * 60_000;
    book.prune();
    assert.deepEqual(
      book.all().map((v) => v.peer),
      ['x'],
    );
  });
});

describe('RateLimiter', () => {
  it('charges items and refills over the period', () => {
    let now = 0;
    const limiter = new RateLimiter(
      { status: { items: 5, periodMs: 15_000 }, range: { items: 100, periodMs: 10_000 } },
      { now: () => now },
    );
    for (let i = 0; i < 5; i++) assert.equal(limiter.allow('status', 'p'), true);
    assert.equal(limiter.allow('status', 'p'), false);
    assert.equal(limiter.allow('status', 'q'), true, 'quotas are per peer');
    now += 3_000; // one token back
    assert.equal(limiter.allow('status', 'p'), true);
    assert.equal(limiter.allow('status', 'p'), false);
    assert.equal(limiter.allow('range', 'p', 80), true);
    assert.equal(
      limiter.allow('range', 'p', 30),
      false,
      'a request that does not fit is refused whole',
    );
    assert.equal(limiter.allow('range', 'p', 20), true);
    assert.equal(limiter.allow('range', 'p', 101), false);
    assert.equal(limiter.allow('unknown', 'p', 1e9), true);
    limiter.forget('p');
    assert.equal(limiter.allow('status', 'p'), true);
  });

  it('prunes idle buckets', () => {
    let now = 0;
    const limiter = new RateLimiter(
      { s: { items: 1, periodMs: 1000 } },
      { now: () => now, idleMs: 1000 },
    );
    for (let i = 0; i < 100; i++) limiter.allow('s', `peer${i}`);
    assert.equal(limiter.size(), 100);
    now += 5000;
    limiter.allow('s', 'fresh');
    assert.equal(limiter.size(), 1);
  });
});
