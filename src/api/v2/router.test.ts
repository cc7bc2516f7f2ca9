import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SesV2Error } from './errors.ts';
import { isSesV2Path, matchRoute, parseQuery } from './router.ts';

test('labels are split before they are decoded: %2F and %2B stay inside one address', () => {
  assert.deepEqual(matchRoute('GET', '/v2/email/identities/a%2Fb%2Btag%40example.com'), {
    operation: 'GetEmailIdentity',
    identity: 'a/b+tag@example.com',
    labels: { EmailIdentity: 'a/b+tag@example.com' },
  });
  assert.deepEqual(matchRoute('PUT', '/v2/email/identities/a%2Fb%40example.com/dkim'), {
    operation: 'PutEmailIdentityDkimAttributes',
    identity: 'a/b@example.com',
    labels: { EmailIdentity: 'a/b@example.com' },
  });
  // Two labels: the identity and the policy name, each decoded on its own.
  assert.deepEqual(matchRoute('POST', '/v2/email/identities/a%2Fb%40example.com/policies/p%2D1'), {
    operation: 'CreateEmailIdentityPolicy',
    identity: 'a/b@example.com',
    labels: { EmailIdentity: 'a/b@example.com', PolicyName: 'p-1' },
  });
  // A raw slash is a segment boundary, so it is no longer the Get route.
  assert.throws(
    () => matchRoute('GET', '/v2/email/identities/a/b@example.com'),
    (e: unknown) => e instanceof SesV2Error && e.status === 404,
  );
});

test('every form of the operations the clients send is routed', () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/v2/email/identities', 'ListEmailIdentities'],
    ['POST', '/v2/email/list-identities', 'ListEmailIdentities'],
    ['PUT', '/v1/email/identities/x.example/dkim/signing', 'PutEmailIdentityDkimSigningAttributes'],
    ['PUT', '/v2/email/identities/x.example/dkim/signing', 'PutEmailIdentityDkimSigningAttributes'],
    ['PUT', '/v2/email/identities/x.example/mail-from', 'PutEmailIdentityMailFromAttributes'],
    ['POST', '/v2/email/identities', 'CreateEmailIdentity'],
    ['DELETE', '/v2/email/identities/x.example', 'DeleteEmailIdentity'],
    ['POST', '/v2/email/outbound-emails', 'SendEmail'],
    ['GET', '/v2/email/account', 'GetAccount'],
    ['POST', '/v2/email/identities/x.example/policies/p1', 'CreateEmailIdentityPolicy'],
    ['GET', '/v2/email/identities/x.example/policies', 'GetEmailIdentityPolicies'],
    ['PUT', '/v2/email/identities/x.example/policies/p1', 'UpdateEmailIdentityPolicy'],
    ['DELETE', '/v2/email/identities/x.example/policies/p1', 'DeleteEmailIdentityPolicy'],
  ];
  for (const [method, path, operation] of cases) assert.equal(matchRoute(method, path).operation, operation, `${method} ${path}`);
});

test('a known path with another method is 405, an unknown one 404, a broken escape 400', () => {
  const status = (method: string, path: string) => {
    try {
      matchRoute(method, path);
      return 200;
    } catch (err) {
      return (err as SesV2Error).status;
    }
  };
  assert.equal(status('PATCH', '/v2/email/identities'), 405);
  assert.equal(status('GET', '/v2/email/identities/'), 404);
  assert.equal(status('GET', '/v1/email/identities'), 404);
  assert.equal(status('GET', '/v2/email/identities/%zz'), 400);
});

test('the query keeps + as + and takes the first of repeated names', () => {
  assert.deepEqual(
    [...parseQuery('NextToken=a%2Bb%3D%3D&PageSize=2&PageSize=3&x')],
    [
      ['NextToken', 'a+b=='],
      ['PageSize', '2'],
      ['x', ''],
    ],
  );
  assert.equal(parseQuery('t=a+b').get('t'), 'a+b');
});

test('only /v2/email and /v1/email paths are SES v2', () => {
  for (const p of ['/v2/email/identities', '/v1/email/identities/x/dkim/signing', '/v2/email']) assert.ok(isSesV2Path(p), p);
  for (const p of ['/', '/?Action=ListIdentities', '/v2/emailx', '/_signet/check', '/health']) assert.ok(!isSesV2Path(p), p);
});

test('every operation of the generated model has a route and a handler', async () => {
  const { SESV2_MODEL } = await import('../../model/sesv2-model.generated.ts');
  const { SES_V2_OPERATIONS } = await import('./operations.ts');
  for (const op of SESV2_MODEL.operations) {
    const path = op.http!.requestUri.replace('{EmailIdentity}', 'x.example').replace('{PolicyName}', 'p-1');
    assert.equal(matchRoute(op.http!.method, path).operation, op.name);
    assert.ok(op.name in SES_V2_OPERATIONS, op.name);
  }
});

test("the command line's bindings (AWS CLI 2.9.19's, where they differ) reach the same operation", async () => {
  const { SESV2_MODEL } = await import('../../model/sesv2-model.generated.ts');
  const legacy = SESV2_MODEL.operations.filter((op) => op.cliHttp !== undefined);
  assert.deepEqual(
    legacy.map((op) => op.cliHttp!.requestUri),
    ['/v1/email/identities/{EmailIdentity}/dkim/signing'],
  );
  for (const op of legacy) {
    const path = op.cliHttp!.requestUri.replace('{EmailIdentity}', 'x.example');
    assert.equal(matchRoute(op.cliHttp!.method, path).operation, op.name);
  }
});
