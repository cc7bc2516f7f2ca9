import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyBudget, clientKey, SMALL_BODY_BYTES } from './http-limits.ts';

describe('http limits', () => {
  it('keys clients by IPv4 address (mapped or not) and by IPv6 /64', () => {
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2::9'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:0db8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
  });

  it('budgets bodies in flight per account and in total, and gives the bytes back once', () => {
    const budget = new BodyBudget({ maxBodyBytesInFlight: 100_000_000, maxBodyBytesInFlightPerAccount: 50_000_000 });
    const a1 = budget.reserve('a', 40_000_000);
    assert.equal(typeof a1, 'function');
    assert.equal(budget.reserve('a', 20_000_000), 'account', 'one account cannot take more than its share');
    const b1 = budget.reserve('b', 40_000_000);
    assert.equal(typeof b1, 'function');
    assert.equal(budget.reserve('c', 40_000_000), 'server', 'nor all of them more than the total');
    assert.equal(typeof budget.reserve('c', SMALL_BODY_BYTES), 'function', 'small bodies are never refused');
    (a1 as () => void)();
    (a1 as () => void)();
    assert.equal(budget.used, 40_000_000, 'released once');
    assert.equal(typeof budget.reserve('c', 40_000_000), 'function');
  });
});
