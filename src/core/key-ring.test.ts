import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKeyLengthChange, nextRingStep, type RingKey, type RingPolicy } from './key-ring.ts';
import { DomainError } from './errors.ts';

const H = 3600_000;
const policy: RingPolicy = { ttlMs: H, feedLagMs: 1000, retentionMs: 96 * H, intervalMs: null };
const key = (token: string, state: RingKey['state'], over: Partial<RingKey> = {}): RingKey => ({
  token,
  bits: 2048,
  state,
  publishedAt: 0,
  activatedAt: state === 'active' ? 0 : null,
  retiredAt: null,
  ...over,
});
const fresh = [key('a', 'active'), key('b', 'next'), key('c', 'previous')];

describe('key ring', () => {
  it('idles when nothing is asked for, and has nothing due without a schedule', () => {
    assert.deepEqual(nextRingStep(fresh, { nextBits: 2048, rotateRequestedAt: null }, 10 * H, policy), { kind: 'idle', dueAt: null });
  });

  it('activates the next key on request only once it has been served for a TTL plus the feed lag', () => {
    const ring = [key('a', 'active'), key('b', 'next', { publishedAt: 5 * H }), key('c', 'previous')];
    const settings = { nextBits: 2048, rotateRequestedAt: 5 * H };
    assert.deepEqual(nextRingStep(ring, settings, 6 * H, policy), { kind: 'idle', dueAt: 6 * H + 1000 });
    assert.deepEqual(nextRingStep(ring, settings, 6 * H + 1000, policy), { kind: 'activate', token: 'b' });
  });

  it('regenerates the never-signed previous key at once after a rotation, and a retired one only after retention', () => {
    const afterFirst = [key('a', 'previous', { retiredAt: 10 * H }), key('b', 'active', { activatedAt: 10 * H }), key('c', 'previous')];
    assert.deepEqual(nextRingStep(afterFirst, { nextBits: 2048, rotateRequestedAt: null }, 10 * H, policy), { kind: 'regenerate', token: 'c', bits: 2048 });
    const afterSecond = [key('a', 'previous', { retiredAt: 10 * H }), key('b', 'previous', { retiredAt: 20 * H }), key('c', 'active', { activatedAt: 20 * H })];
    assert.deepEqual(nextRingStep(afterSecond, { nextBits: 2048, rotateRequestedAt: null }, 20 * H, policy), { kind: 'idle', dueAt: 106 * H });
    assert.deepEqual(nextRingStep(afterSecond, { nextBits: 2048, rotateRequestedAt: null }, 106 * H, policy), { kind: 'regenerate', token: 'a', bits: 2048 });
  });

  it('replaces a next key of the wrong length, then rotates to it', () => {
    assert.deepEqual(nextRingStep(fresh, { nextBits: 1024, rotateRequestedAt: H }, H, policy), { kind: 'regenerate', token: 'b', bits: 1024 });
    const ring = [key('a', 'active'), key('b', 'next', { bits: 1024, publishedAt: H }), key('c', 'previous')];
    assert.deepEqual(nextRingStep(ring, { nextBits: 1024, rotateRequestedAt: null }, 2 * H + 1000, policy), { kind: 'activate', token: 'b' });
  });

  it('rotates on schedule when an interval is set', () => {
    const scheduled = { ...policy, intervalMs: 90 * 24 * H };
    assert.deepEqual(nextRingStep(fresh, { nextBits: 2048, rotateRequestedAt: null }, H, scheduled), { kind: 'idle', dueAt: 90 * 24 * H });
    assert.deepEqual(nextRingStep(fresh, { nextBits: 2048, rotateRequestedAt: null }, 90 * 24 * H, scheduled), { kind: 'activate', token: 'b' });
  });

  it("applies SES's key length rules", () => {
    const invalid = (fn: () => void) => assert.throws(fn, (e) => e instanceof DomainError && e.code === 'invalid_parameter');
    invalid(() => checkKeyLengthChange({ nextBits: 2048, lengthChangedAt: null, downgradedAt: null }, 2048, 0));
    checkKeyLengthChange({ nextBits: 2048, lengthChangedAt: null, downgradedAt: null }, 1024, 0);
    // Upgraded an hour ago: the first downgrade to 1024 in the period is still allowed, a second is not.
    checkKeyLengthChange({ nextBits: 2048, lengthChangedAt: 0, downgradedAt: null }, 1024, H);
    invalid(() => checkKeyLengthChange({ nextBits: 2048, lengthChangedAt: H, downgradedAt: 0 }, 1024, 2 * H));
    invalid(() => checkKeyLengthChange({ nextBits: 1024, lengthChangedAt: 0, downgradedAt: 0 }, 2048, H));
    checkKeyLengthChange({ nextBits: 1024, lengthChangedAt: 0, downgradedAt: 0 }, 2048, 24 * H);
  });
});
