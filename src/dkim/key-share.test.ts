import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fairKeyShare, keyReserve, KeyShareLedger } from './key-share.ts';

describe('the key pool fair share', () => {
  it('is a quarter of the target, at least one domain; the reserve is half the target', () => {
    assert.deepEqual([0, 4, 12, 30, 100].map(fairKeyShare), [3, 3, 3, 7, 25]);
    assert.deepEqual([0, 5, 12, 30].map(keyReserve), [0, 3, 6, 15]);
  });

  it('counts takes per account over a sliding window', () => {
    const ledger = new KeyShareLedger(60_000);
    ledger.record('a', 3, 1000);
    ledger.record('a', 3, 30_000);
    ledger.record('b', 3, 30_000);
    assert.equal(ledger.recent('a', 40_000), 6);
    assert.equal(ledger.recent('a', 61_000), 3, 'the first take left the window');
    assert.equal(ledger.recent('b', 61_000), 3);
    assert.equal(ledger.recent('a', 90_001), 0);
  });

  it('keeps a bounded number of accounts', () => {
    const ledger = new KeyShareLedger(60_000);
    for (let i = 0; i < KeyShareLedger.MAX_ACCOUNTS + 50; i++) ledger.record(`acct-${i}`, 3, 1000);
    assert.equal(ledger.recent(`acct-${KeyShareLedger.MAX_ACCOUNTS + 49}`, 1000), 3, 'the newest is kept');
    assert.equal(ledger.recent('acct-0', 1000), 0, 'the oldest made room');
  });
});
