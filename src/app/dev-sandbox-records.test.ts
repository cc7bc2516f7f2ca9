import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, TEST_SCOPE, TEST_ZONE, type TestApp } from '../../test/support/app-context.ts';
import { isDomainError } from '../core/index.ts';
import { createSandboxResolver } from '../dns/sandbox-resolver.ts';
import { checkDomainNow } from './run-detection-check.ts';
import { publishSandboxDkimRecords, unpublishSandboxDkimRecords, type SandboxDeps } from './dev-sandbox-records.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';

describe('dev mode: sandbox DKIM records', () => {
  let app: TestApp;
  let deps: SandboxDeps;
  beforeEach(async () => {
    app = await createTestApp();
    deps = { store: app.store, sandbox: app.sandbox, zone: TEST_ZONE, toAscii: app.ctx.toAscii };
  });
  afterEach(() => app.close());

  it('publishing makes detection find the CNAMEs without any real DNS; unpublishing takes them away', async () => {
    const tokens = await verifyDomainDkim(app.ctx, TEST_SCOPE, 'example.com');
    const records = await publishSandboxDkimRecords(deps, TEST_SCOPE, 'Example.com');
    assert.deepEqual(
      records,
      tokens.map((t) => ({ name: `${t}._domainkey.example.com`, type: 'CNAME', value: `${t}.${TEST_ZONE}` })),
    );
    // Detection in dev mode: the sandbox in front of the (here: empty) real resolver.
    const detection = { ...app.detection, resolver: createSandboxResolver(app.sandbox, app.resolver) };
    await checkDomainNow(detection, TEST_SCOPE, 'example.com');
    assert.equal((await app.store.getIdentities(TEST_SCOPE, ['example.com'])).get('example.com')?.dkimStatus, 'Success');
    assert.equal(app.dns.queries.filter((q) => q.startsWith('CNAME')).length, 0, 'the sandbox answered, not DNS');

    await unpublishSandboxDkimRecords(deps, TEST_SCOPE, 'example.com');
    for (const r of records) assert.deepEqual(await app.sandbox.lookup(r.name, 'CNAME'), { exists: false, values: [] });
    const after_ = await checkDomainNow(detection, TEST_SCOPE, 'example.com');
    assert.equal(after_.kind === 'checked' && after_.completion.dkim?.status, 'TemporaryFailure');
  });

  it('a name published with another type answers NODATA, not NXDOMAIN', async () => {
    await app.sandbox.publish([{ name: 'x.example', type: 'TXT', value: 'hello' }]);
    const resolver = createSandboxResolver(app.sandbox, app.resolver);
    assert.deepEqual(await resolver.cname('X.example'), { ok: false, error: 'NODATA' });
    assert.deepEqual(await resolver.txt('x.example'), { ok: true, values: ['hello'] });
  });

  it('refuses a domain without DKIM tokens', async () => {
    await assert.rejects(publishSandboxDkimRecords(deps, TEST_SCOPE, 'nodkim.example'), (err) => isDomainError(err) && err.code === 'dkim_not_set_up');
  });
});
