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
    assert.throws(() => dkimServiceConfig({ ...zone, dnsWorkers: bad }, {}, 8), (err: unknown) => err instanceof ConfigError && /--dns-workers must be auto or 1 to 64/.test((err as Error).message));
  }
});
