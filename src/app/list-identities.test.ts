import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { deleteIdentity } from './delete-identity.ts';
import { listIdentities } from './list-identities.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';

/** Walks every page and returns the names in order, and how many pages it took. */
async function walk(app: TestApp, input: { identityType?: string; maxItems?: number }) {
  const names: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await listIdentities(app.ctx, TEST_SCOPE, { ...input, nextToken });
    names.push(...page.identities);
    nextToken = page.nextToken ?? undefined;
    pages++;
    assert.ok(pages < 100, 'the walk ends');
  } while (nextToken !== undefined);
  return { names, pages };
}

describe('ListIdentities', () => {
  let app: TestApp;
  const domains = ['d1.example', 'd2.example', 'd3.example', 'd4.example', 'd5.example'];
  const addresses = ['a1@example.com', 'a2@example.com'];
  before(async () => {
    app = await createTestApp();
    // Interleaved, so that the type filter has to skip rows inside a page.
    for (let i = 0; i < domains.length; i++) {
      await verifyDomainIdentity(app.ctx, TEST_SCOPE, domains[i]!);
      if (addresses[i]) await verifyEmailIdentity(app.ctx, TEST_SCOPE, addresses[i]!);
    }
  });
  after(() => app.close());

  it('lists every identity in creation order, one page by default', async () => {
    const page = await listIdentities(app.ctx, TEST_SCOPE, {});
    assert.deepEqual(page.identities, ['d1.example', 'a1@example.com', 'd2.example', 'a2@example.com', 'd3.example', 'd4.example', 'd5.example']);
    assert.equal(page.nextToken, null);
  });

  it('pages with MaxItems: no repeats, no gaps, and no NextToken on the last page', async () => {
    const { names, pages } = await walk(app, { maxItems: 2 });
    assert.equal(names.length, 7);
    assert.equal(new Set(names).size, 7);
    assert.equal(pages, 4);
  });

  it('filters by type across pages', async () => {
    assert.deepEqual((await walk(app, { identityType: 'Domain', maxItems: 2 })).names, domains);
    assert.deepEqual((await walk(app, { identityType: 'EmailAddress', maxItems: 1 })).names, addresses);
  });

  it('a walk neither repeats nor skips when identities are added and deleted between pages', async () => {
    const first = await listIdentities(app.ctx, TEST_SCOPE, { identityType: 'Domain', maxItems: 2 });
    assert.deepEqual(first.identities, ['d1.example', 'd2.example']);
    await deleteIdentity(app.ctx, TEST_SCOPE, 'd1.example');
    await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'd6.example');
    const rest: string[] = [];
    let token = first.nextToken ?? undefined;
    while (token !== undefined) {
      const page = await listIdentities(app.ctx, TEST_SCOPE, { identityType: 'Domain', maxItems: 2, nextToken: token });
      rest.push(...page.identities);
      token = page.nextToken ?? undefined;
    }
    assert.deepEqual(rest, ['d3.example', 'd4.example', 'd5.example', 'd6.example']);
  });

  it('refuses a NextToken made for another type filter', async () => {
    const page = await listIdentities(app.ctx, TEST_SCOPE, { identityType: 'Domain', maxItems: 1 });
    assert.ok(page.nextToken);
    await assert.rejects(
      listIdentities(app.ctx, TEST_SCOPE, { identityType: 'EmailAddress', nextToken: page.nextToken }),
      (err) => isDomainError(err) && err.code === 'invalid_next_token',
    );
  });

  for (const token of ['garbage!', Buffer.from('sig1:abc:*').toString('base64'), Buffer.from('sig2:1:*').toString('base64')]) {
    it(`refuses the NextToken ${JSON.stringify(token)}`, async () => {
      await assert.rejects(listIdentities(app.ctx, TEST_SCOPE, { nextToken: token }), (err) => isDomainError(err) && err.code === 'invalid_next_token');
    });
  }

  for (const maxItems of [0, 1001, 2.5]) {
    it(`refuses MaxItems ${maxItems}`, async () => {
      await assert.rejects(listIdentities(app.ctx, TEST_SCOPE, { maxItems }), (err) => isDomainError(err) && err.code === 'invalid_max_items');
    });
  }

  it("refuses an unknown IdentityType with SES's enum message", async () => {
    await assert.rejects(
      listIdentities(app.ctx, TEST_SCOPE, { identityType: 'domain' }),
      (err) => isDomainError(err) && err.code === 'invalid_identity_type' && /\[Domain, EmailAddress\]/.test(err.message),
    );
  });

  it('shows nothing of another account', async () => {
    assert.deepEqual((await listIdentities(app.ctx, { accountId: '222222222222', region: 'us-east-1' }, {})).identities, []);
    assert.deepEqual((await listIdentities(app.ctx, { ...TEST_SCOPE, region: 'eu-west-1' }, {})).identities, []);
  });
});
