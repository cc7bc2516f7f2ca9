import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliView } from './cli-view.ts';
import { SES_MODEL } from './ses-model.generated.ts';
import type { ServiceModelData } from './service-types.ts';
import { SESV2_MODEL } from './sesv2-model.generated.ts';

/** A small union in the generated schema: one thing of each kind marked as the generator marks it. */
const UNION: ServiceModelData = {
  metadata: { apiVersion: '1', endpointPrefix: 'e', signingName: 's', xmlNamespace: '', serviceId: 'S', protocol: 'rest-json' },
  operations: [
    {
      name: 'Get',
      cliName: 'get',
      input: 'GetIn',
      output: 'GetOut',
      http: { method: 'PUT', requestUri: '/v2/x/{Id}' },
      cliHttp: { method: 'PUT', requestUri: '/v1/x/{Id}' },
      errors: ['Oops'],
    },
    { name: 'New', cliName: 'new', http: { method: 'GET', requestUri: '/v2/new' }, errors: [], cli: false },
  ],
  shapes: {
    GetIn: {
      type: 'structure',
      members: [
        { name: 'Id', shape: 'Name', overview: 'The id.', location: 'uri', locationName: 'Id' },
        { name: 'Fresh', shape: 'Info', overview: 'Newer.', cli: false },
      ],
      required: ['Id'],
    },
    GetOut: { type: 'structure', members: [{ name: 'Origin', shape: 'Origin', overview: 'How.' }], required: [] },
    Name: { type: 'string', min: 1, max: 64, pattern: '[a-z]+', cli: { min: null } },
    Origin: { type: 'string', enum: ['OLD', 'NEW'], cli: { enum: ['OLD'] } },
    Info: { type: 'structure', members: [], required: [], cli: false },
    Oops: { type: 'structure', members: [], required: [], cli: false },
    Plain: { type: 'string', min: 1 },
  },
  waiters: {},
  commandNames: ['get'],
  errorStatus: { Oops: 400 },
};

test("the view is what 2.9.19's model has: marked operations, shapes and members left out, its own facts and binding", () => {
  const before = structuredClone(UNION);
  assert.deepEqual(cliView(UNION), {
    metadata: UNION.metadata,
    operations: [{ name: 'Get', cliName: 'get', input: 'GetIn', output: 'GetOut', http: { method: 'PUT', requestUri: '/v1/x/{Id}' } }],
    shapes: {
      GetIn: { type: 'structure', members: [{ name: 'Id', shape: 'Name', overview: 'The id.', location: 'uri', locationName: 'Id' }], required: ['Id'] },
      GetOut: { type: 'structure', members: [{ name: 'Origin', shape: 'Origin', overview: 'How.' }], required: [] },
      Name: { type: 'string' },
      Origin: { type: 'string', enum: ['OLD'] },
      Plain: { type: 'string', min: 1 },
    },
    waiters: {},
    commandNames: ['get'],
  });
  assert.deepEqual(UNION, before, 'the union is not changed');
});

test('what needs no change is shared, and a model without marks (SES v1) comes back as it is', () => {
  const view = cliView(UNION);
  assert.equal(view.shapes['Plain'], UNION.shapes['Plain']);
  assert.equal(view.shapes['GetOut'], UNION.shapes['GetOut']);
  assert.equal(cliView(SES_MODEL), SES_MODEL);
});

test("SES v2's one model: the server's members, enum values and bindings, and the command line's without them", () => {
  const view = cliView(SESV2_MODEL);
  const names = (model: ServiceModelData, shape: string) => (model.shapes[shape]?.members ?? []).map((m) => m.name);
  // GetEmailIdentity's VerificationInfo and DkimAttributes.SigningHostedZone: the newer model's only.
  assert.ok(names(SESV2_MODEL, 'GetEmailIdentityResponse').includes('VerificationInfo'));
  assert.ok(!names(view, 'GetEmailIdentityResponse').includes('VerificationInfo'));
  assert.ok(SESV2_MODEL.shapes['VerificationInfo'] !== undefined && view.shapes['VerificationInfo'] === undefined);
  assert.ok(names(SESV2_MODEL, 'DkimAttributes').includes('SigningHostedZone'));
  assert.deepEqual(names(view, 'DkimAttributes'), [
    'SigningEnabled',
    'Status',
    'Tokens',
    'SigningAttributesOrigin',
    'NextSigningKeyLength',
    'CurrentSigningKeyLength',
    'LastKeyGenerationTimestamp',
  ]);
  assert.deepEqual(names(view, 'SendEmailRequest').includes('TenantName'), false);
  assert.ok(SESV2_MODEL.shapes['DkimSigningAttributesOrigin']!.enum!.includes('AWS_SES_US_EAST_1'));
  assert.deepEqual(view.shapes['DkimSigningAttributesOrigin']!.enum, ['AWS_SES', 'EXTERNAL']);
  // Facts that differ both ways: the server checks the newer model's, the command line 2.9.19's.
  assert.equal(SESV2_MODEL.shapes['UseCaseDescription']!.min, undefined);
  assert.equal(view.shapes['UseCaseDescription']!.min, 1);
  assert.equal(SESV2_MODEL.shapes['AmazonResourceName']!.min, 1);
  assert.equal(view.shapes['AmazonResourceName']!.min, undefined);
  // The binding: the server's model has the /v2 URI, 2.9.19 sends the /v1 one.
  const op = (model: ServiceModelData) => model.operations.find((o) => o.name === 'PutEmailIdentityDkimSigningAttributes')!;
  assert.equal(op(SESV2_MODEL).http!.requestUri, '/v2/email/identities/{EmailIdentity}/dkim/signing');
  assert.equal(op(view).http!.requestUri, '/v1/email/identities/{EmailIdentity}/dkim/signing');
  // What only the server reads is not in the view.
  assert.equal(SESV2_MODEL.errorStatus?.['NotFoundException'], 404);
  assert.equal(view.errorStatus, undefined);
  assert.ok(view.operations.every((o) => o.errors === undefined && o.cliHttp === undefined));
  assert.ok(Object.values(view.shapes).every((s) => s.max === undefined && s.pattern === undefined && s.cli === undefined));
  // Every shape the view's members and operations name is in the view.
  for (const o of view.operations) for (const s of [o.input, o.output]) assert.ok(s === undefined || view.shapes[s] !== undefined, s);
  for (const [name, shape] of Object.entries(view.shapes)) {
    for (const s of [...(shape.members ?? []).map((m) => m.shape), shape.member, shape.key, shape.value]) {
      assert.ok(s === undefined || view.shapes[s] !== undefined, `${name} -> ${s}`);
    }
  }
});
