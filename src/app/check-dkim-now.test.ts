import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, publishDkimCnames, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { checkDkimNow } from './check-dkim-now.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';

const DOMAIN = 'check.example.com';

describe('checkDkimNow (signet dkim check, POST /_signet/check)', () => {
  let app: TestApp;
  let tokens: string[];
  beforeEach(async () => {
    app = await createTestApp();
    tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, DOMAIN);
  });
  afterEach(() => app.close());

  const deps = () => ({ ...app.detection, toAscii: app.ctx.toAscii });

  it('reports the statuses the check leads to, on the name as written in any case', async () => {
    const pending = await checkDkimNow(deps(), TEST_SCOPE, 'Check.Example.COM');
    assert.equal(pending.kind, 'checked');
    if (pending.kind !== 'checked') return;
    assert.equal(pending.report.domain, DOMAIN);
    assert.equal(pending.report.dkimStatus, 'Pending');
    assert.deepEqual(
      pending.report.records.filter((r) => r.type === 'CNAME').map((r) => r.verdict),
      ['missing', 'missing', 'missing'],
    );
    assert.equal(pending.report.checkedAt, new Date(app.clock.now()).toISOString());

    publishDkimCnames(app.dns, DOMAIN, tokens);
    const found = await checkDkimNow(deps(), TEST_SCOPE, DOMAIN);
    assert.equal(found.kind === 'checked' && found.report.dkimStatus, 'Success');
    // Written back as the worker writes it: the SES API reads the new status.
    const identity = (await app.store.getIdentities(TEST_SCOPE, [DOMAIN])).get(DOMAIN);
    assert.equal(identity?.dkimStatus, 'Success');
  });

  it("another account's domain, or one that does not exist, is not found", async () => {
    for (const [scope, domain] of [
      [{ accountId: '111122223333', region: TEST_SCOPE.region }, DOMAIN],
      [{ ...TEST_SCOPE, region: 'eu-west-1' }, DOMAIN],
      [TEST_SCOPE, 'other.example.com'],
    ] as const) {
      await assert.rejects(
        checkDkimNow(deps(), scope, domain),
        (err) => isDomainError(err) && err.code === 'identity_not_found' && err.message === `Identity ${domain} does not exist.`,
      );
    }
  });

  it('answers busy while the detection worker holds the domain', async () => {
    // The worker's claim: the domain is due at once after VerifyDomainDkim.
    const claimed = await app.detectionStore.claimDueChecks(app.clock.now(), 10, 60_000);
    assert.equal(claimed.length, 1);
    assert.deepEqual(await checkDkimNow(deps(), TEST_SCOPE, DOMAIN), { kind: 'busy', domain: DOMAIN });
  });
});
