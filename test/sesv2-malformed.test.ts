import assert from 'node:assert/strict';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_BODY_BYTES } from '../src/api/handler.ts';
import { SQLITE_FILE } from '../src/storage/open-storage.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** `--dev` accepts any well-formed SigV4 header: these tests are about what comes after authentication. */
const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64);

/** A malformed request, and the status and SES v2 error code it must get. */
type Case = [name: string, method: string, path: string, body: string | Buffer | object | undefined, status: number, code: string];

const ID = '/v2/email/identities';
const EXISTS = 'exists.example.com';
const SEND = '/v2/email/outbound-emails';
const LIST = '/v2/email/list-identities';
const simple = (extra: object = {}, content: object = { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } }) => ({
  FromEmailAddress: `sender@${EXISTS}`,
  Destination: { ToAddresses: ['rcpt@example.net'] },
  Content: content,
  ...extra,
});
const addresses = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@example.net`);
const BR = 'BadRequestException';

const CASES: Case[] = [
  // Bodies that are not a JSON object.
  ['truncated JSON', 'POST', ID, '{', 400, BR],
  ['not JSON at all', 'POST', ID, 'EmailIdentity=example.com', 400, BR],
  ['a JSON array', 'POST', ID, '[]', 400, BR],
  ['a JSON string', 'POST', ID, '"example.com"', 400, BR],
  ['JSON null', 'POST', ID, 'null', 400, BR],
  ['a JSON number', 'POST', ID, '123', 400, BR],
  ['a trailing comma', 'POST', ID, '{"EmailIdentity": "a.example.com",}', 400, BR],
  ['a byte-order mark', 'POST', ID, '\ufeff{"EmailIdentity": "a.example.com"}', 400, BR],
  ['invalid UTF-8', 'POST', ID, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 400, BR],
  ['bad JSON on the list form', 'POST', LIST, '{"PageSize":', 400, BR],
  // Missing members.
  ['Create without EmailIdentity', 'POST', ID, {}, 400, BR],
  ['Create with EmailIdentity null', 'POST', ID, { EmailIdentity: null }, 400, BR],
  ['Create with an empty EmailIdentity', 'POST', ID, { EmailIdentity: '' }, 400, BR],
  ['SendEmail without Content', 'POST', SEND, { FromEmailAddress: `s@${EXISTS}`, Destination: { ToAddresses: ['r@example.net'] } }, 400, BR],
  ['SendEmail with empty Content', 'POST', SEND, simple({}, {}), 400, BR],
  ['SendEmail with Simple and Raw', 'POST', SEND, simple({}, { Simple: { Subject: { Data: 's' }, Body: {} }, Raw: { Data: 'eA==' } }), 400, BR],
  ['Simple without Subject', 'POST', SEND, simple({}, { Simple: { Body: { Text: { Data: 't' } } } }), 400, BR],
  ['Simple without Body', 'POST', SEND, simple({}, { Simple: { Subject: { Data: 's' } } }), 400, BR],
  ['Subject without Data', 'POST', SEND, simple({}, { Simple: { Subject: {}, Body: { Text: { Data: 't' } } } }), 400, BR],
  ['Raw without Data', 'POST', SEND, simple({}, { Raw: {} }), 400, BR],
  ['a tag without Value', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: [{ Key: 'k' }] }, 400, BR],
  ['a tag without Key', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: [{ Value: 'v' }] }, 400, BR],
  ['DkimSigningAttributes without SigningAttributesOrigin', 'PUT', `${ID}/${EXISTS}/dkim/signing`, {}, 400, BR],
  [
    'Simple without FromEmailAddress',
    'POST',
    SEND,
    { Destination: { ToAddresses: ['r@example.net'] }, Content: { Simple: { Subject: { Data: 's' }, Body: {} } } },
    400,
    BR,
  ],
  ['Simple without any destination', 'POST', SEND, simple({ Destination: {} }), 400, BR],
  [
    'Raw without a From header',
    'POST',
    SEND,
    simple({}, { Raw: { Data: Buffer.from('To: r@example.net\r\nSubject: s\r\n\r\nb\r\n').toString('base64') } }),
    400,
    BR,
  ],
  // Wrong types.
  ['EmailIdentity a number', 'POST', ID, { EmailIdentity: 5 }, 400, BR],
  ['EmailIdentity a list', 'POST', ID, { EmailIdentity: ['a.example.com'] }, 400, BR],
  ['EmailIdentity an object', 'POST', ID, { EmailIdentity: { name: 'a.example.com' } }, 400, BR],
  ['Tags a string', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: 'k=v' }, 400, BR],
  ['a tag a number', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: [5] }, 400, BR],
  ['DkimSigningAttributes a string', 'POST', ID, { EmailIdentity: 'a.example.com', DkimSigningAttributes: 'RSA_1024_BIT' }, 400, BR],
  ['SigningEnabled a string', 'PUT', `${ID}/${EXISTS}/dkim`, { SigningEnabled: 'true' }, 400, BR],
  ['SigningEnabled a number', 'PUT', `${ID}/${EXISTS}/dkim`, { SigningEnabled: 1 }, 400, BR],
  ['PageSize a string in the body', 'POST', LIST, { PageSize: '2' }, 400, BR],
  ['PageSize a fraction', 'POST', LIST, { PageSize: 2.5 }, 400, BR],
  ['Filter a list', 'POST', LIST, { Filter: [] }, 400, BR],
  ['a Filter value a number', 'POST', LIST, { Filter: { IDENTITY_TYPE: 5 } }, 400, BR],
  ['Destination a string', 'POST', SEND, simple({ Destination: 'r@example.net' }), 400, BR],
  ['ToAddresses a string', 'POST', SEND, simple({ Destination: { ToAddresses: 'r@example.net' } }), 400, BR],
  ['a ToAddress a number', 'POST', SEND, simple({ Destination: { ToAddresses: [5] } }), 400, BR],
  ['Raw.Data a number', 'POST', SEND, simple({}, { Raw: { Data: 5 } }), 400, BR],
  ['EmailTags an object', 'POST', SEND, simple({ EmailTags: { Name: 'a' } }), 400, BR],
  // Enums outside their set.
  [
    'NextSigningKeyLength RSA_4096_BIT',
    'POST',
    ID,
    { EmailIdentity: 'a.example.com', DkimSigningAttributes: { NextSigningKeyLength: 'RSA_4096_BIT' } },
    400,
    BR,
  ],
  [
    'an unknown DEED origin',
    'POST',
    ID,
    { EmailIdentity: 'a.example.com', DkimSigningAttributes: { DomainSigningAttributesOrigin: 'AWS_SES_MARS_1' } },
    400,
    BR,
  ],
  ['an unknown Filter key', 'POST', LIST, { Filter: { COLOR: 'blue' } }, 400, BR],
  ['IDENTITY_TYPE outside its set', 'POST', LIST, { Filter: { IDENTITY_TYPE: 'Domain' } }, 400, BR],
  ['VERIFICATION_STATUS in v1 spelling', 'POST', LIST, { Filter: { VERIFICATION_STATUS: 'Pending' } }, 400, BR],
  ['SigningAttributesOrigin outside its set', 'PUT', `${ID}/${EXISTS}/dkim/signing`, { SigningAttributesOrigin: 'SELF' }, 400, BR],
  ['BehaviorOnMxFailure outside its set', 'PUT', `${ID}/${EXISTS}/mail-from`, { BehaviorOnMxFailure: 'BOUNCE' }, 400, BR],
  // Too long, too many.
  ['a 400-character identity', 'POST', ID, { EmailIdentity: `${'a'.repeat(396)}.com` }, 400, BR],
  ['a 129-character tag key', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }, 400, BR],
  ['a 257-character tag value', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }, 400, BR],
  ['51 tags', 'POST', ID, { EmailIdentity: 'a.example.com', Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }, 400, BR],
  ['a 65-character ConfigurationSetName', 'POST', ID, { EmailIdentity: 'a.example.com', ConfigurationSetName: 'c'.repeat(65) }, 400, BR],
  ['a ConfigurationSetName with a space', 'POST', ID, { EmailIdentity: 'a.example.com', ConfigurationSetName: 'bad name' }, 400, BR],
  ['51 ToAddresses', 'POST', SEND, simple({ Destination: { ToAddresses: addresses(51) } }), 400, BR],
  ['51 recipients across To and Cc', 'POST', SEND, simple({ Destination: { ToAddresses: addresses(30), CcAddresses: addresses(21) } }), 400, BR],
  ['PageSize 1001 in the query', 'GET', `${ID}?PageSize=1001`, undefined, 400, BR],
  ['PageSize -1 in the query', 'GET', `${ID}?PageSize=-1`, undefined, 400, BR],
  ['PageSize not a number', 'GET', `${ID}?PageSize=ten`, undefined, 400, BR],
  ['PageSize 1001 in the body', 'POST', LIST, { PageSize: 1001 }, 400, BR],
  ['a garbage NextToken', 'GET', `${ID}?NextToken=garbage!`, undefined, 400, BR],
  ['a forged NextToken', 'GET', `${ID}?NextToken=${encodeURIComponent(Buffer.from('sig2:5:other').toString('base64'))}`, undefined, 400, BR],
  [
    'a NextToken of another filter',
    'POST',
    LIST,
    { NextToken: Buffer.from('sig2:1:W251bGwsbnVsbCxudWxsXQ').toString('base64'), Filter: { IDENTITY_TYPE: 'DOMAIN' } },
    400,
    BR,
  ],
  // Values SES refuses.
  ['a domain with a space', 'POST', ID, { EmailIdentity: 'bad domain.com' }, 400, BR],
  ['two @ signs', 'POST', ID, { EmailIdentity: 'a@@example.com' }, 400, BR],
  ['an IP address', 'POST', ID, { EmailIdentity: '192.0.2.1' }, 400, BR],
  [
    'DkimSigningAttributes on an address',
    'POST',
    ID,
    { EmailIdentity: 'a@example.com', DkimSigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' } },
    400,
    BR,
  ],
  [
    'BYODKIM (not supported yet)',
    'POST',
    ID,
    { EmailIdentity: 'byo.example.com', DkimSigningAttributes: { DomainSigningSelector: 'sel1', DomainSigningPrivateKey: 'MIIEow==' } },
    400,
    BR,
  ],
  [
    // SES: "You can't switch to the same key length as is already configured" (the server makes 1024).
    'the key length already configured',
    'PUT',
    `${ID}/${EXISTS}/dkim/signing`,
    { SigningAttributesOrigin: 'AWS_SES', SigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' } },
    400,
    BR,
  ],
  ['Raw.Data not base64', 'POST', SEND, simple({}, { Raw: { Data: '!!!not base64!!!' } }), 400, BR],
  ['a bad recipient address', 'POST', SEND, simple({ Destination: { ToAddresses: ['not-an-address'] } }), 400, BR],
  ['an EmailTag name with a colon', 'POST', SEND, simple({ EmailTags: [{ Name: 'ses:x', Value: 'v' }] }), 400, BR],
  ['the identity that exists', 'POST', ID, { EmailIdentity: EXISTS }, 400, 'AlreadyExistsException'],
  ['a template that does not exist', 'POST', SEND, simple({}, { Template: { TemplateName: 'nope', TemplateData: '{}' } }), 404, 'NotFoundException'],
  ['an unverified sender', 'POST', SEND, simple({ FromEmailAddress: 'someone@unverified.example' }), 400, 'MessageRejected'],
  [
    "another account's identity ARN",
    'POST',
    SEND,
    simple({ FromEmailAddressIdentityArn: `arn:aws:ses:us-east-1:999999999999:identity/${EXISTS}` }),
    400,
    'MessageRejected',
  ],
  ['an identity ARN that is no ARN', 'POST', SEND, simple({ FromEmailAddressIdentityArn: 'identity/x' }), 400, BR],
  ['a Get of an unknown identity', 'GET', `${ID}/missing.example.com`, undefined, 404, 'NotFoundException'],
  ['a Delete of an unknown identity', 'DELETE', `${ID}/missing.example.com`, undefined, 404, 'NotFoundException'],
  ['DKIM on an unknown identity', 'PUT', `${ID}/missing.example.com/dkim`, { SigningEnabled: true }, 400, BR],
  ['a MAIL FROM domain outside the identity', 'PUT', `${ID}/${EXISTS}/mail-from`, { MailFromDomain: 'mail.elsewhere.example' }, 400, BR],
  ['the identity itself as its MAIL FROM domain', 'PUT', `${ID}/${EXISTS}/mail-from`, { MailFromDomain: EXISTS }, 400, BR],
  ['a MAIL FROM domain that is no domain', 'PUT', `${ID}/${EXISTS}/mail-from`, { MailFromDomain: 'a b.exists.example.com' }, 400, BR],
  // As floci found SES answering: 400, not the model's NotFound.
  ['MAIL FROM on an unknown identity', 'PUT', `${ID}/missing.example.com/mail-from`, { MailFromDomain: 'mail.missing.example.com' }, 400, BR],
  [
    'Bring Your Own DKIM (not supported yet)',
    'PUT',
    `/v1/email/identities/${EXISTS}/dkim/signing`,
    { SigningAttributesOrigin: 'EXTERNAL', SigningAttributes: { DomainSigningSelector: 'sel1', DomainSigningPrivateKey: 'MIIEow==' } },
    400,
    BR,
  ],
  // Wrong methods on known paths.
  ['PATCH on identities', 'PATCH', ID, {}, 405, 'MethodNotAllowedException'],
  ['DELETE on identities', 'DELETE', ID, undefined, 405, 'MethodNotAllowedException'],
  ['PUT on account', 'PUT', '/v2/email/account', {}, 405, 'MethodNotAllowedException'],
  ['GET on outbound-emails', 'GET', SEND, undefined, 405, 'MethodNotAllowedException'],
  ['POST on an identity', 'POST', `${ID}/${EXISTS}`, {}, 405, 'MethodNotAllowedException'],
  ['GET on list-identities', 'GET', LIST, undefined, 405, 'MethodNotAllowedException'],
  ['GET on dkim', 'GET', `${ID}/${EXISTS}/dkim`, undefined, 405, 'MethodNotAllowedException'],
  // Unknown paths.
  ['an unknown resource', 'GET', '/v2/email/nothing', undefined, 404, 'UnknownOperationException'],
  ['the bare prefix', 'GET', '/v2/email', undefined, 404, 'UnknownOperationException'],
  ['a label split by a raw slash', 'GET', `${ID}/a/b@example.com`, undefined, 404, 'UnknownOperationException'],
  ['an unknown sub-resource', 'PUT', `${ID}/${EXISTS}/dkim/other`, {}, 404, 'UnknownOperationException'],
  ['a legacy v1 path other than dkim/signing', 'GET', '/v1/email/identities', undefined, 404, 'UnknownOperationException'],
  ['an empty label', 'GET', `${ID}/`, undefined, 404, 'UnknownOperationException'],
  ['an empty label before dkim', 'PUT', `${ID}//dkim`, {}, 404, 'UnknownOperationException'],
  // Bad percent-encoding.
  ['%zz in a label', 'GET', `${ID}/%zz`, undefined, 400, BR],
  ['a truncated UTF-8 escape', 'GET', `${ID}/%E0%A4%A`, undefined, 400, BR],
  ['a lone %FF', 'GET', `${ID}/%FF`, undefined, 400, BR],
  ['%zz in the query', 'GET', `${ID}?PageSize=%zz`, undefined, 400, BR],
  ['a NUL in a label', 'GET', `${ID}/a%00b.example.com`, undefined, 400, BR],
  // Sizes.
  ['a 300 KB Create body', 'POST', ID, { EmailIdentity: 'a.example.com', Padding: 'x'.repeat(300 * 1024) }, 400, BR],
  ['a body over the server limit', 'POST', SEND, Buffer.alloc(MAX_BODY_BYTES + 1024, 0x20), 400, BR],
];

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, url),
      { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    let answered = false;
    req.on('response', () => (answered = true));
    // A server may answer an oversized body before reading it all, and close the connection: the
    // client's write then fails (EPIPE, ECONNRESET), and if the answer had not been read yet it is
    // lost with the connection. So a large body waits a moment for an early answer before it is sent,
    // and a reset with no answer fails the test instead of leaving it waiting forever.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') return reject(err);
      setTimeout(() => (answered ? undefined : reject(new Error(`connection reset with no answer (${err.code})`))), 2000).unref();
    });
    if (body === undefined || Buffer.byteLength(body) <= 1024 * 1024) {
      req.end(body);
      return;
    }
    req.flushHeaders();
    setTimeout(() => (answered ? undefined : req.end(body)), 500);
  });
}

describe('malformed SES v2 requests get a 4xx in v2 shape and change nothing', () => {
  const data = tempDir('sesv2-malformed');
  let server: RunningSignet;
  const snapshot = () => {
    const db = new BetterSqlite3(join(data.path, SQLITE_FILE), { readonly: true });
    try {
      return ['identities', 'dkim_keys', 'identity_details', 'outbox_messages', 'email_verifications'].map((t) =>
        db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all(),
      );
    } finally {
      db.close();
    }
  };
  let before0: unknown;

  before(async () => {
    server = await startSignet(['--dev', '--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '6', '--no-throttle', '--log-level', 'warn']);
    const created = await send(
      server.url,
      'POST',
      ID,
      { authorization: AUTH, 'content-type': 'application/json' },
      JSON.stringify({ EmailIdentity: EXISTS, Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    assert.equal(created.status, 200, created.text);
    before0 = snapshot();
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  it(`has at least 60 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 60);
  });

  for (const [name, method, path, body, status, code] of CASES) {
    it(`${name}: ${status} ${code}`, async () => {
      const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const answer = await send(
        server.url,
        method,
        path,
        { authorization: AUTH, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        payload,
      );
      assert.equal(answer.status, status, answer.text.slice(0, 300));
      assert.equal(answer.headers['x-amzn-errortype'], code, answer.text.slice(0, 300));
      assert.match(String(answer.headers['content-type']), /^application\/json\b/);
      assert.match(String(answer.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
      const parsed = JSON.parse(answer.text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['message']);
      assert.equal(typeof parsed['message'], 'string');
    });
  }

  it('refuses requests without or with a broken Authorization header (403, v2 shape)', async () => {
    for (const [headers, code] of [
      [{}, 'MissingAuthenticationToken'],
      [{ authorization: 'Bearer x' }, 'IncompleteSignature'],
    ] as const) {
      const answer = await send(server.url, 'GET', '/v2/email/account', headers);
      assert.equal(answer.status, 403);
      assert.equal(answer.headers['x-amzn-errortype'], code);
      assert.deepEqual(Object.keys(JSON.parse(answer.text)), ['message']);
    }
  });

  it('left the store as it was', () => {
    assert.deepEqual(snapshot(), before0);
  });
});
