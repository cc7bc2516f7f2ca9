import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressPrefix } from './address-prefix.ts';

test('IPv4: addresses in one prefix share a key, others do not', () => {
  assert.equal(addressPrefix('192.0.2.1', 24, 56), addressPrefix('192.0.2.254', 24, 56));
  assert.notEqual(addressPrefix('192.0.2.1', 24, 56), addressPrefix('192.0.3.1', 24, 56));
  assert.notEqual(addressPrefix('127.0.0.1', 32, 64), addressPrefix('127.0.0.2', 32, 64));
  assert.equal(addressPrefix('10.1.2.3', 8, 56), addressPrefix('10.200.0.0', 8, 56));
});

test('IPv6: compressed and full forms of one prefix share a key; bits beyond the prefix do not count', () => {
  const a = addressPrefix('2001:db8:1:2::1', 64, 64);
  assert.equal(a, addressPrefix('2001:0db8:0001:0002:ffff:ffff:ffff:ffff', 64, 64));
  assert.notEqual(a, addressPrefix('2001:db8:1:3::1', 64, 64));
  // /56: the last 8 bits of the fourth group are the host's.
  assert.equal(addressPrefix('2001:db8:1:200::1', 56, 56), addressPrefix('2001:db8:1:2ff::9', 56, 56));
  assert.notEqual(addressPrefix('2001:db8:1:200::1', 56, 56), addressPrefix('2001:db8:1:300::1', 56, 56));
  assert.equal(addressPrefix('fe80::1%eth0', 64, 64), addressPrefix('fe80::2', 64, 64));
  assert.equal(addressPrefix('::1', 64, 64), addressPrefix('::', 64, 64));
});

test('an IPv4-mapped IPv6 address is its IPv4 client', () => {
  assert.equal(addressPrefix('::ffff:192.0.2.7', 24, 56), addressPrefix('192.0.2.1', 24, 56));
  assert.equal(addressPrefix('::ffff:c000:207', 32, 64), addressPrefix('192.0.2.7', 32, 64));
});

test('what is not an address is its own key, and IPv4 and IPv6 never collide', () => {
  for (const bad of ['', 'x', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1']) {
    assert.equal(addressPrefix(bad, 24, 56), bad);
  }
  assert.notEqual(addressPrefix('0.0.0.0', 32, 128), addressPrefix('::', 32, 128));
});
