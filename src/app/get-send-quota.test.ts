import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HOUR } from '../../test/support/clock.ts';
import { createTestApp, TEST_SCOPE, verifiedDomain, type TestApp } from '../../test/support/app-context.ts';
import { createAccount, setProductionAccess } from './accounts.ts';
import { getSendQuota } from './get-send-quota.ts';
import { sendRawEmail } from './send-email.ts';

describe('GetSendQuota', () => {
  let app: TestApp;
  const send = (to: string) =>
    sendRawEmail(app.ctx, TEST_SCOPE, {
      source: undefined,
      destinations: undefined,
      raw: Buffer.from(`From: s@example.com\r\nTo: ${to}\r\n\r\nb\r\n`),
      tags: [],
    });
  beforeEach(async () => {
    app = await createTestApp({ send: { max24HourSend: 1000, maxSendRate: 14 } });
    await verifiedDomain(app, 'example.com');
  });
  afterEach(() => app.close());

  it('answers the configured limits and the recipients of the last 24 hours on the service clock', async () => {
    assert.deepEqual(await getSendQuota(app.ctx, TEST_SCOPE), { productionAccess: true, max24HourSend: 1000, maxSendRate: 14, sentLast24Hours: 0 });
    await send('a@d.example, b@d.example');
    app.clock.advance(12 * HOUR);
    await send('c@d.example');
    assert.equal((await getSendQuota(app.ctx, TEST_SCOPE)).sentLast24Hours, 3);
    app.clock.advance(12 * HOUR + 1);
    assert.equal((await getSendQuota(app.ctx, TEST_SCOPE)).sentLast24Hours, 1, 'the first message left the window');
    assert.equal((await getSendQuota(app.ctx, { ...TEST_SCOPE, region: 'eu-west-1' })).sentLast24Hours, 0, 'per region');
  });

  it("messages hidden from listings (LocalStack's DELETE) still count", async () => {
    await send('a@d.example');
    assert.equal(await app.outbox.hide({}), 1);
    assert.equal((await getSendQuota(app.ctx, TEST_SCOPE)).sentLast24Hours, 1);
  });

  it("without sending configured: SES's sandbox figures and nothing sent", async () => {
    await app.close();
    app = await createTestApp({ send: false });
    assert.deepEqual(await getSendQuota(app.ctx, TEST_SCOPE), { productionAccess: true, max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 });
  });

  it("an account in the sandbox gets SES's sandbox quota (200 a day, 1 a second) at most, and production access the configured one", async () => {
    const id = await createAccount(app.accounts);
    const scope = { accountId: id, region: 'us-east-1' };
    assert.deepEqual(await getSendQuota(app.ctx, scope), { productionAccess: false, max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 });
    await setProductionAccess(app.accounts, id, true);
    assert.deepEqual(await getSendQuota(app.ctx, scope), { productionAccess: true, max24HourSend: 1000, maxSendRate: 14, sentLast24Hours: 0 });
  });

  it('mail to the mailbox simulator does not count against the daily quota', async () => {
    await send('a@d.example, success@simulator.amazonses.com, bounce+x@simulator.amazonses.com');
    assert.equal((await getSendQuota(app.ctx, TEST_SCOPE)).sentLast24Hours, 1);
  });
});
