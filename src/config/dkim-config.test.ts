import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from './config.ts';
import { dkimServiceConfig } from './dkim-config.ts';

const zone = { dkimZone: 'dkim.example.net' };

test('--dns-workers: 1 by default, a count, or auto for the CPUs Node may use (at most 64)', () => {
  assert.equal(dkimServiceConfig(zone, {}, 8).dnsWorkers, 1);
  assert.equal(dkimServiceConfig({ ...zone, dnsWorkers: '3' }, {}, 8).dnsWorkers, 3);
  assert.equal(dkimServiceConfig({ ...zone, dnsWorkers: 'auto' }, {}, 8).dnsWorkers, 8);
  assert.equal(dkimServiceConfig({ ...zone, dnsWorkers: 'auto' }, {}, 200).dnsWorkers, 64);
  assert.equal(dkimServiceConfig(zone, { SIGNET_DNS_WORKERS: '2' }, 8).dnsWorkers, 2);
  assert.equal(dkimServiceConfig({ ...zone, dnsWorkers: '4' }, { SIGNET_DNS_WORKERS: '2' }, 8).dnsWorkers, 4, 'the flag wins');
  for (const bad of ['0', '65', '-1', '2.5', 'all']) {
    assert.throws(
      () => dkimServiceConfig({ ...zone, dnsWorkers: bad }, {}, 8),
      (err: unknown) => err instanceof ConfigError && /--dns-workers must be auto or 1 to 64/.test((err as Error).message),
    );
  }
});

test('--dns-cache-keys: 50,000 keys a DNS process by default, a count of at least 1, flag over environment', () => {
  assert.equal(dkimServiceConfig(zone, {}).dnsCacheKeys, 50_000);
  assert.equal(dkimServiceConfig({ ...zone, dnsCacheKeys: '200000' }, {}).dnsCacheKeys, 200_000);
  assert.equal(dkimServiceConfig(zone, { SIGNET_DNS_CACHE_KEYS: '1000' }).dnsCacheKeys, 1000);
  assert.equal(dkimServiceConfig({ ...zone, dnsCacheKeys: '5' }, { SIGNET_DNS_CACHE_KEYS: '1000' }).dnsCacheKeys, 5, 'the flag wins');
  assert.equal(dkimServiceConfig({ ...zone, dnsCacheKeys: '10000000' }, {}).dnsCacheKeys, 10_000_000);
  for (const bad of ['0', '-1', '1e6', '2.5', 'lots', '10000001']) {
    assert.throws(
      () => dkimServiceConfig({ ...zone, dnsCacheKeys: bad }, {}),
      (err: unknown) => err instanceof ConfigError && /--dns-cache-keys must be 1 to 10000000, not/.test((err as Error).message),
    );
  }
});

test('--dns-key-reads: thread by default, or inline, flag over environment; anything else refused', () => {
  assert.equal(dkimServiceConfig(zone, {}).dnsKeyReads, 'thread');
  assert.equal(dkimServiceConfig({ ...zone, dnsKeyReads: 'inline' }, {}).dnsKeyReads, 'inline');
  assert.equal(dkimServiceConfig(zone, { SIGNET_DNS_KEY_READS: 'inline' }).dnsKeyReads, 'inline');
  assert.equal(dkimServiceConfig({ ...zone, dnsKeyReads: 'thread' }, { SIGNET_DNS_KEY_READS: 'inline' }).dnsKeyReads, 'thread', 'the flag wins');
  for (const bad of ['sync', 'Thread', 'threads']) {
    assert.throws(
      () => dkimServiceConfig({ ...zone, dnsKeyReads: bad }, {}),
      (err: unknown) => err instanceof ConfigError && /--dns-key-reads must be thread or inline, not/.test((err as Error).message),
    );
  }
});

test('--dns-rrl-rate and --dns-rrl-slip: NSD defaults (200/s, 2) outside --dev, rate 0 (off) in --dev, flags over environment', () => {
  assert.deepEqual(dkimServiceConfig(zone, {}).dnsRrl, { ratePerSecond: 200, slip: 2 });
  assert.deepEqual(dkimServiceConfig({ dev: true }, {}).dnsRrl, { ratePerSecond: 0, slip: 2 });
  assert.deepEqual(dkimServiceConfig({ dev: true, dnsRrlRate: '50' }, {}).dnsRrl, { ratePerSecond: 50, slip: 2 });
  assert.deepEqual(dkimServiceConfig({ ...zone, dnsRrlRate: '0', dnsRrlSlip: '1' }, {}).dnsRrl, { ratePerSecond: 0, slip: 1 });
  assert.deepEqual(dkimServiceConfig(zone, { SIGNET_DNS_RRL_RATE: '20', SIGNET_DNS_RRL_SLIP: '0' }).dnsRrl, { ratePerSecond: 20, slip: 0 });
  assert.equal(dkimServiceConfig({ ...zone, dnsRrlRate: '30' }, { SIGNET_DNS_RRL_RATE: '20' }).dnsRrl.ratePerSecond, 30);
  for (const bad of ['-1', '1.5', 'off', '1000001']) {
    assert.throws(
      () => dkimServiceConfig({ ...zone, dnsRrlRate: bad }, {}),
      (err: unknown) => err instanceof ConfigError && /--dns-rrl-rate must be 0 to 1000000/.test((err as Error).message),
    );
  }
  assert.throws(() => dkimServiceConfig({ ...zone, dnsRrlSlip: '11' }, {}), /--dns-rrl-slip must be 0 to 10/);
});

test("--mail-from-mx and --mail-from-spf: SES's feedback host per region and amazonses.com by default, flags over environment", () => {
  assert.deepEqual(dkimServiceConfig(zone, {}).mailFrom, { mxHost: 'feedback-smtp.{region}.amazonses.com', spfInclude: 'amazonses.com' });
  assert.deepEqual(dkimServiceConfig({ ...zone, mailFromMx: 'Bounces.Example.NET.', mailFromSpf: 'spf.example.net' }, {}).mailFrom, {
    mxHost: 'bounces.example.net',
    spfInclude: 'spf.example.net',
  });
  assert.deepEqual(dkimServiceConfig(zone, { SIGNET_MAIL_FROM_MX: 'feedback.{region}.example.net', SIGNET_MAIL_FROM_SPF: 'example.net' }).mailFrom, {
    mxHost: 'feedback.{region}.example.net',
    spfInclude: 'example.net',
  });
  assert.equal(dkimServiceConfig({ ...zone, mailFromMx: 'mx.flag.example' }, { SIGNET_MAIL_FROM_MX: 'mx.env.example' }).mailFrom.mxHost, 'mx.flag.example');
  for (const bad of ['not a host', 'localhost', '{region}', 'a..b.example']) {
    assert.throws(() => dkimServiceConfig({ ...zone, mailFromMx: bad }, {}), /--mail-from-mx must be a host name/);
  }
  assert.throws(() => dkimServiceConfig({ ...zone, mailFromSpf: '{region}.amazonses.com' }, {}), /--mail-from-spf must be a host name/);
});

test('--key-rotation-interval (off by default) and --key-retention (4 days by default), flags over environment', () => {
  assert.deepEqual(dkimServiceConfig(zone, {}).keyRing, { retentionMs: 4 * 86_400_000, intervalMs: null });
  assert.deepEqual(dkimServiceConfig({ ...zone, keyRotationInterval: '90d', keyRetention: '2d' }, {}).keyRing, {
    retentionMs: 2 * 86_400_000,
    intervalMs: 90 * 86_400_000,
  });
  assert.equal(dkimServiceConfig({ ...zone, keyRotationInterval: 'off' }, { SIGNET_KEY_ROTATION_INTERVAL: '30d' }).keyRing.intervalMs, null);
  assert.equal(dkimServiceConfig(zone, { SIGNET_KEY_ROTATION_INTERVAL: '30d' }).keyRing.intervalMs, 30 * 86_400_000);
  assert.throws(() => dkimServiceConfig({ ...zone, keyRotationInterval: 'soon' }, {}), ConfigError);
});

test('--notify-delay: the DNS layer default unless given (null), a duration up to an hour, flag over environment', () => {
  assert.equal(dkimServiceConfig(zone, {}).transfers.notifyDelayMs, null);
  assert.equal(dkimServiceConfig({ ...zone, notifyDelay: '2s' }, {}).transfers.notifyDelayMs, 2000);
  assert.equal(dkimServiceConfig({ ...zone, notifyDelay: '50ms' }, { SIGNET_NOTIFY_DELAY: '5s' }).transfers.notifyDelayMs, 50, 'the flag wins');
  assert.equal(dkimServiceConfig(zone, { SIGNET_NOTIFY_DELAY: '5s' }).transfers.notifyDelayMs, 5000);
  for (const [bad, message] of [
    ['soon', /--notify-delay must be a duration/],
    ['0', /--notify-delay is out of range/],
    ['2h', /--notify-delay is at most 1h/],
  ] as const) {
    assert.throws(
      () => dkimServiceConfig({ ...zone, notifyDelay: bad }, {}),
      (err: unknown) => err instanceof ConfigError && message.test((err as Error).message),
    );
  }
});
