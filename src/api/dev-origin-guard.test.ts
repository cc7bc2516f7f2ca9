import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { devRequestRefusal, isLoopbackHostHeader } from './dev-origin-guard.ts';
import { metricsRefusal } from './metrics-access.ts';

describe('dev mode Host and Origin', () => {
  it('accepts loopback host names with any port, and nothing else', () => {
    for (const host of ['localhost', 'localhost:8580', 'LocalHost:1', '127.0.0.1', '127.0.0.1:8580', '127.255.0.9:1', '[::1]', '[::1]:8580']) {
      assert.equal(isLoopbackHostHeader(host), true, host);
    }
    for (const host of [
      undefined,
      '',
      'evil.example',
      'evil.example:8580',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '128.0.0.1',
      '[::2]:1',
      '[::1]x',
      'localhost:x',
      '0.0.0.0',
    ]) {
      assert.equal(isLoopbackHostHeader(host), false, String(host));
    }
  });

  it('refuses state-changing requests from another origin only', () => {
    const host = '127.0.0.1:8580';
    assert.equal(devRequestRefusal('POST', { host }), null);
    assert.equal(devRequestRefusal('POST', { host, origin: 'http://127.0.0.1:8580' }), null);
    assert.equal(devRequestRefusal('GET', { host, origin: 'http://evil.example' }), null);
    assert.equal(devRequestRefusal('POST', { host, origin: 'http://evil.example' })?.status, 403);
    assert.equal(devRequestRefusal('DELETE', { host, origin: 'null' })?.status, 403);
    assert.equal(devRequestRefusal('PUT', { host, origin: 'http://localhost:8580' })?.status, 403);
  });
});

describe('metrics access', () => {
  it('without a token: loopback clients only', () => {
    assert.equal(metricsRefusal({ token: null }, '127.0.0.1', undefined), null);
    assert.equal(metricsRefusal({ token: null }, '::1', undefined), null);
    assert.equal(metricsRefusal({ token: null }, '::ffff:127.0.0.1', undefined), null);
    assert.equal(metricsRefusal({ token: null }, '192.0.2.1', undefined)?.status, 403);
    assert.equal(metricsRefusal({ token: null }, '::ffff:192.0.2.1', undefined)?.status, 403);
  });

  it('with a token: its bearer, from anywhere', () => {
    assert.equal(metricsRefusal({ token: 't' }, '192.0.2.1', 'Bearer t'), null);
    assert.equal(metricsRefusal({ token: 't' }, '127.0.0.1', undefined)?.status, 401);
    assert.equal(metricsRefusal({ token: 't' }, '127.0.0.1', 'Bearer tt')?.status, 401);
  });
});
