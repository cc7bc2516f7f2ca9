import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { createTestApp, mailauthResolver, publishKeyZone, TEST_SCOPE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { advanceDueKeyRings, rotateDomainKeys, setNextSigningKeyLength } from './key-ring.ts';
import { sendRawEmail } from './send-email.ts';

const H = 3600_000;

describe('key ring use cases', () => {
  let app: TestApp;
  let tokens: string[];
  beforeEach(async () => {
    app = await createTestApp({ poolKeys: 12, send: { maxSendRate: 100 } });
    tokens = await verifiedDomain(app, 'example.com');
  });
  afterEach(() => app.close());

  const send = async () => {
    const id = await sendRawEmail(app.ctx, TEST_SCOPE, {
      source: undefined,
      destinations: undefined,
      raw: Buffer.from('From: sender@example.com\nTo: a@dest.example\nSubject: ring\n\nbody\n'),
      tags: [],
    });
    return (await app.outbox.get(id))!;
  };

  it('rotates on demand behind the same tokens, reports each change, and old mail still verifies', async () => {
    const first = await send();
    assert.equal(first.signature?.selector, tokens[0]);
    const pending = await rotateDomainKeys(app.keyRings, TEST_SCOPE, 'EXAMPLE.com');
    assert.equal(pending.rotationPending, true, 'the next key has not been served for a TTL yet');
    assert.equal((await send()).signature?.selector, tokens[0]);
    app.clock.advance(H + 1000);
    await app.keyPool.waitForKeys(1);
    assert.equal(await advanceDueKeyRings(app.keyRings, 10), 1);
    assert.deepEqual(
      app.keyEvents.map((e) => [e.kind, e.token]),
      [
        ['activated', tokens[1]],
        ['retired', tokens[0]],
        ['generated', tokens[2]],
      ],
    );
    const second = await send();
    assert.equal(second.signature?.selector, tokens[1]);
    assert.deepEqual(await app.store.getDkimTokens(TEST_SCOPE, ['example.com']), new Map([['example.com', tokens]]));
    await publishKeyZone(app);
    for (const message of [first, second]) {
      const result = await dkimVerify(message.raw, { resolver: mailauthResolver(app.dns) });
      assert.equal((result.results as { status: { result: string } }[])[0]?.status.result, 'pass');
    }
  });

  it('refuses a rotation of an unknown domain and the length already configured', async () => {
    await assert.rejects(rotateDomainKeys(app.keyRings, TEST_SCOPE, 'nope.example'), (e) => isDomainError(e) && e.code === 'identity_not_found');
    await assert.rejects(setNextSigningKeyLength(app.keyRings, TEST_SCOPE, 'example.com', 1024), (e) => isDomainError(e) && e.code === 'invalid_parameter');
    assert.equal(await setNextSigningKeyLength(app.keyRings, TEST_SCOPE, 'none.example', 2048), false);
  });
});
