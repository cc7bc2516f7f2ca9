import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, publishDkimCnames, TEST_SCOPE, TEST_ZONE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { dkimDoctor, type DoctorDeps } from './dkim-doctor.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyDomainIdentity } from './verify-domain-identity.ts';

const DOMAIN = 'example.com';

describe('signet dkim doctor', () => {
  let app: TestApp;
  let deps: DoctorDeps;
  let tokens: string[];
  beforeEach(async () => {
    app = await createTestApp();
    deps = { store: app.store, resolver: app.resolver, zone: TEST_ZONE, toAscii: app.ctx.toAscii };
    tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, DOMAIN);
  });
  afterEach(() => app.close());

  it('healthy when the three CNAMEs point at their keys; gives each record as a zone-file line', async () => {
    publishDkimCnames(app.dns, DOMAIN, tokens);
    const report = await dkimDoctor(deps, TEST_SCOPE, 'Example.COM');
    assert.equal(report.healthy, true);
    assert.equal(report.domain, DOMAIN);
    assert.deepEqual(
      report.records.map((r) => [r.verdict, r.zoneLine]),
      tokens.map((t) => ['ok', `${t}._domainkey.${DOMAIN}. 1800 IN CNAME ${t}.${TEST_ZONE}.`]),
    );
  });

  it('tells a missing record from a TXT where the CNAME belongs, a doubled domain and a wrong target', async () => {
    const [a, b, c] = tokens as [string, string, string];
    // A TXT record at the CNAME's name (a common copy-paste mistake).
    app.dns.txt(`${a}._domainkey.${DOMAIN}`, 'v=DKIM1; p=MIIB');
    // The name typed with the domain once more: DNS consoles append the zone to what is entered.
    app.dns.cname(`${b}._domainkey.${DOMAIN}.${DOMAIN}`, `${b}.${TEST_ZONE}`);
    app.dns.cname(`${c}._domainkey.${DOMAIN}`, 'somewhere.example');
    const report = await dkimDoctor(deps, TEST_SCOPE, DOMAIN);
    assert.equal(report.healthy, false);
    assert.deepEqual(
      report.records.map((r) => r.verdict),
      ['txt_instead_of_cname', 'domain_appended_twice', 'points_elsewhere'],
    );
    assert.match(report.records[2]!.observed, /somewhere\.example/);
  });

  it('a resolver failure is reported as such, not as a missing record', async () => {
    for (const t of tokens) app.dns.fail(`${t}._domainkey.${DOMAIN}`, 'ESERVFAIL');
    const report = await dkimDoctor(deps, TEST_SCOPE, DOMAIN);
    assert.deepEqual(
      report.records.map((r) => r.verdict),
      ['resolver_error', 'resolver_error', 'resolver_error'],
    );
  });

  it('a missing record is plain missing, after asking the extra questions', async () => {
    const report = await dkimDoctor(deps, TEST_SCOPE, DOMAIN);
    assert.deepEqual(
      report.records.map((r) => r.verdict),
      ['missing', 'missing', 'missing'],
    );
    // CNAME, then TXT at the name and the doubled name, per token.
    assert.equal(app.dns.queries.length, 9);
  });

  it('unknown domain and domain without DKIM are errors with their codes', async () => {
    await assert.rejects(dkimDoctor(deps, TEST_SCOPE, 'nobody.example'), (err) => isDomainError(err) && err.code === 'identity_not_found');
    await verifyDomainIdentity(app.ctx, TEST_SCOPE, 'plain.example');
    await assert.rejects(dkimDoctor(deps, TEST_SCOPE, 'plain.example'), (err) => isDomainError(err) && err.code === 'dkim_not_set_up');
  });
});
