import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { DKIM_TOKEN_PATTERN, isDomainError } from '../core/index.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';

describe('VerifyDomainDkim', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp({ poolKeys: 3 });
  });
  afterEach(() => app.close());

  it('answers three distinct tokens, each with a key from the pool, and creates the domain identity', async () => {
    const tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'Example.COM');
    assert.equal(tokens.length, 3);
    assert.equal(new Set(tokens).size, 3);
    for (const t of tokens) assert.match(t, DKIM_TOKEN_PATTERN);
    const keys = await app.store.getDkimKeys(TEST_SCOPE, 'example.com');
    assert.deepEqual(
      keys.map((k) => k.token),
      tokens,
    );
    assert.equal(await app.store.countPoolKeys(1024), 0, 'the three pool keys were taken');
    const identity = (await app.store.getIdentities(TEST_SCOPE, ['example.com'])).get('example.com');
    assert.equal(identity?.kind, 'Domain');
    assert.equal(identity?.dkimStatus, 'Pending');
    assert.equal(identity?.createdAt, app.clock.now());
  });

  it('answers the same tokens on a second call without taking more keys', async () => {
    const first = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    const second = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'EXAMPLE.com.');
    assert.deepEqual(second, first);
    assert.equal((await app.store.getDkimKeys(TEST_SCOPE, 'example.com')).length, 3);
  });

  it('waits for the key pool when it is short, rather than answering tokens without keys', async () => {
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'one.example'); // empties the pool of 3
    const tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'two.example');
    assert.equal((await app.store.getDkimKeys(TEST_SCOPE, 'two.example')).length, 3);
    assert.equal(tokens.length, 3);
  });

  it('tells the zone-change listener before it answers new tokens, and not for known ones', async () => {
    let told = 0;
    app.zoneChanges.subscribe({ keyZoneChanged: async () => void told++ });
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    assert.equal(told, 1);
    await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    assert.equal(told, 1);
  });

  it('publishes the keys in the key zone under their tokens', async () => {
    const tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    for (const token of tokens) assert.ok(await app.dnsKeys.findKey(token), token);
  });

  it('keeps accounts apart: another account gets its own tokens for the same domain', async () => {
    const mine = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    const other = await verifyDomainDkim(app.ctx, { accountId: '111111111111', region: 'us-east-1' }, 'example.com');
    assert.equal(other.filter((t) => mine.includes(t)).length, 0);
  });

  it('rejects an invalid domain with a stable code and writes nothing', async () => {
    await assert.rejects(verifyDomainDkim(app.ctx, TEST_SCOPE, 'not a domain'), (err) => isDomainError(err) && err.code === 'invalid_domain');
    assert.equal(await app.store.countPoolKeys(1024), 3);
  });
});
