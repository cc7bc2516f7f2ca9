import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucketLimiter } from './rate-limiter.ts';

/** The limiter on an injected clock: every assertion counts calls, none depends on how fast this machine runs. */
describe('TokenBucketLimiter', () => {
  const at = (start = 0) => {
    let now = start;
    return {
      now: () => now,
      advance: (ms: number) => {
        now += ms;
      },
    };
  };

  it("SES's default (1 per second, burst 1): one call, then Throttling until a whole second has passed", () => {
    const clock = at();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, now: clock.now });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => limiter.tryTake('acct/us-east-1')),
      [true, false, false, false, false],
    );
    clock.advance(999);
    assert.equal(limiter.tryTake('acct/us-east-1'), false);
    clock.advance(1);
    assert.equal(limiter.tryTake('acct/us-east-1'), true);
    assert.equal(limiter.tryTake('acct/us-east-1'), false);
  });

  it('one bucket per key: another account or region is not throttled', () => {
    const clock = at();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, now: clock.now });
    assert.equal(limiter.tryTake('a/us-east-1'), true);
    assert.equal(limiter.tryTake('a/us-east-1'), false);
    assert.equal(limiter.tryTake('b/us-east-1'), true);
    assert.equal(limiter.tryTake('a/us-west-2'), true);
  });

  it('refills continuously up to the burst, never beyond it', () => {
    const clock = at();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, now: clock.now });
    const takeAll = () => {
      let n = 0;
      while (limiter.tryTake('k') && n < 100) n++;
      return n;
    };
    assert.equal(takeAll(), 3);
    clock.advance(500);
    assert.equal(takeAll(), 1, 'half a second at 2/s');
    clock.advance(60_000);
    assert.equal(takeAll(), 3, 'a long quiet spell refills only the burst');
    clock.advance(250);
    assert.equal(takeAll(), 0, 'half a token is not a call');
    clock.advance(250);
    assert.equal(takeAll(), 1);
  });

  it('forgets idle buckets without changing the answers (a forgotten bucket was full anyway)', () => {
    const clock = at();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, now: clock.now });
    for (let i = 0; i < 1000; i++) limiter.tryTake(`key${i}`);
    clock.advance(1001);
    assert.equal(limiter.tryTake('key0'), true);
    assert.equal(limiter.tryTake('key0'), false);
  });

  it('refuses a rate that is not positive or a burst under 1', () => {
    assert.throws(() => new TokenBucketLimiter({ ratePerSecond: 0, burst: 1, now: () => 0 }), RangeError);
    assert.throws(() => new TokenBucketLimiter({ ratePerSecond: 1, burst: 0.5, now: () => 0 }), RangeError);
  });
});
