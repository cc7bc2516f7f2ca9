import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAsciiDomain } from './to-ascii.ts';

test('IDNA: U-labels become A-labels, valid A-labels stay, broken ones have no ASCII form (on every Node line)', () => {
  assert.equal(toAsciiDomain('Bücher.Example'), 'xn--bcher-kva.example');
  assert.equal(toAsciiDomain('xn--bcher-kva.ch'), 'xn--bcher-kva.ch');
  assert.equal(toAsciiDomain('example.com'), 'example.com');
  for (const broken of ['xn--a.com', 'xn--zz.com', 'mail.xn--a', 'xn--a']) assert.equal(toAsciiDomain(broken), '', broken);
});
