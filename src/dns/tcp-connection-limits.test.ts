import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TcpAdmission } from './tcp-connection-limits.ts';

test('connections per client: IPv4 per address, IPv6 per /64, released on close', () => {
  const admission = new TcpAdmission({ maxConnectionsPerClient: 2 });
  const a1 = admission.admit('127.0.0.1');
  const a2 = admission.admit('::ffff:127.0.0.1');
  assert.ok(a1 !== null && a2 !== null);
  assert.equal(admission.admit('127.0.0.1'), null);
  assert.notEqual(admission.admit('127.0.0.2'), null, 'another IPv4 address is another client');
  assert.notEqual(admission.admit('2001:db8::1'), null);
  assert.notEqual(admission.admit('2001:db8::ffff:2'), null);
  assert.equal(admission.admit('2001:db8::3'), null, 'same /64');
  assert.notEqual(admission.admit('2001:db8:0:1::1'), null, 'another /64');
  admission.release(a1);
  assert.notEqual(admission.admit('127.0.0.1'), null);
  admission.release(a2);
  assert.equal(admission.clients, 4);
});
