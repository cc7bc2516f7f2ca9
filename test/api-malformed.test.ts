import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_BODY_BYTES } from '../src/api/handler.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';

/** A malformed request and the SES error code it must get (HTTP 400 in every case). */
type Case = [name: string, body: string | Buffer, code: string];

const V = 'Version=2010-12-01';
const vdd = (domain: string) => `Action=VerifyDomainDkim&${V}&Domain=${domain}`;
const members = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}.member.${i + 1}=d${i}.example.com`).join('&');

const CASES: Case[] = [
  ['empty body', '', 'MissingAction'],
  ['no Action', `${V}&Domain=example.com`, 'MissingAction'],
  ['empty Action', `Action=&${V}`, 'MissingAction'],
  ['unknown Action', `Action=DescribeEverything&${V}`, 'InvalidAction'],
  ['Action in the wrong case', `Action=verifydomaindkim&${V}&Domain=example.com`, 'InvalidAction'],
  ['wrong API version', 'Action=VerifyDomainDkim&Version=2009-01-01&Domain=example.com', 'InvalidAction'],
  ['missing Domain', `Action=VerifyDomainDkim&${V}`, 'ValidationError'],
  ['empty Domain', vdd(''), 'InvalidParameterValue'],
  ['254-character name', vdd(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`), 'InvalidParameterValue'],
  ['64-character label', vdd(`${'a'.repeat(64)}.com`), 'InvalidParameterValue'],
  ['space in name', vdd('bad+domain.com'), 'InvalidParameterValue'],
  ['control character', vdd('bad%01domain.com'), 'InvalidParameterValue'],
  ['tab', vdd('bad%09domain.com'), 'InvalidParameterValue'],
  ['newline', vdd('example.com%0Aevil.com'), 'InvalidParameterValue'],
  ['NUL byte', vdd('example%00.com'), 'InvalidParameterValue'],
  ['DEL character', vdd('example%7F.com'), 'InvalidParameterValue'],
  ['underscore', vdd('bad_domain.com'), 'InvalidParameterValue'],
  ['leading hyphen', vdd('-example.com'), 'InvalidParameterValue'],
  ['trailing hyphen', vdd('example-.com'), 'InvalidParameterValue'],
  ['single label', vdd('localhost'), 'InvalidParameterValue'],
  ['empty label', vdd('example..com'), 'InvalidParameterValue'],
  ['only a dot', vdd('.'), 'InvalidParameterValue'],
  ['two trailing dots', vdd('example.com..'), 'InvalidParameterValue'],
  ['IPv4 address', vdd('192.0.2.1'), 'InvalidParameterValue'],
  ['bracketed IPv6', vdd('%5B2001%3Adb8%3A%3A1%5D'), 'InvalidParameterValue'],
  ['URL instead of a name', vdd('https%3A%2F%2Fexample.com%2F'), 'InvalidParameterValue'],
  ['label with no ASCII form (leading combining mark)', vdd('%CC%80b.com'), 'InvalidParameterValue'],
  ['broken A-label', vdd('xn--a.com'), 'InvalidParameterValue'],
  ['unicode symbol that IDNA forbids', vdd('ex%E2%80%AEample.com'), 'InvalidParameterValue'],
  ['invalid UTF-8', vdd('%FF%FEexample.com'), 'MalformedQueryString'],
  ['overlong UTF-8', vdd('%C0%AEexample.com'), 'MalformedQueryString'],
  ['bad percent escape', vdd('%G1example.com'), 'MalformedQueryString'],
  ['truncated percent escape', vdd('example.com%4'), 'MalformedQueryString'],
  ['duplicated Domain', `${vdd('a.example.com')}&Domain=b.example.com`, 'InvalidParameterValue'],
  ['duplicated Action', `Action=VerifyDomainDkim&Action=DeleteIdentity&${V}&Domain=a.example.com`, 'InvalidParameterValue'],
  ['parameter without a name', `${vdd('example.com')}&=x`, 'MalformedQueryString'],
  ['101 identities (dkim)', `Action=GetIdentityDkimAttributes&${V}&${members('Identities', 101)}`, 'InvalidParameterValue'],
  ['101 identities (verification)', `Action=GetIdentityVerificationAttributes&${V}&${members('Identities', 101)}`, 'InvalidParameterValue'],
  ['101 identities (mail from)', `Action=GetIdentityMailFromDomainAttributes&${V}&${members('Identities', 101)}`, 'InvalidParameterValue'],
  ['list with a gap', `Action=GetIdentityDkimAttributes&${V}&Identities.member.1=a.com&Identities.member.3=b.com`, 'InvalidParameterValue'],
  ['list index 0', `Action=GetIdentityDkimAttributes&${V}&Identities.member.0=a.com`, 'InvalidParameterValue'],
  ['missing Identities', `Action=GetIdentityDkimAttributes&${V}`, 'ValidationError'],
  ['invalid name in Identities', `Action=GetIdentityDkimAttributes&${V}&Identities.member.1=bad+name`, 'InvalidParameterValue'],
  ['DkimEnabled not a boolean', `Action=SetIdentityDkimEnabled&${V}&Identity=example.com&DkimEnabled=yes`, 'InvalidParameterValue'],
  ['missing DkimEnabled', `Action=SetIdentityDkimEnabled&${V}&Identity=example.com`, 'ValidationError'],
  ['DKIM on for an unknown identity', `Action=SetIdentityDkimEnabled&${V}&Identity=nope.example.org&DkimEnabled=true`, 'InvalidParameterValue'],
  ['MaxItems 0', `Action=ListIdentities&${V}&MaxItems=0`, 'InvalidParameterValue'],
  ['MaxItems 1001', `Action=ListIdentities&${V}&MaxItems=1001`, 'InvalidParameterValue'],
  ['MaxItems not a number', `Action=ListIdentities&${V}&MaxItems=ten`, 'InvalidParameterValue'],
  ['MaxItems huge', `Action=ListIdentities&${V}&MaxItems=99999999999999999999`, 'InvalidParameterValue'],
  ['IdentityType outside the enum', `Action=ListIdentities&${V}&IdentityType=Bogus`, 'ValidationError'],
  ['NextToken garbage', `Action=ListIdentities&${V}&NextToken=not-a-token`, 'InvalidParameterValue'],
  ['NextToken forged', `Action=ListIdentities&${V}&NextToken=${encodeURIComponent(Buffer.from('sig1:-1:*').toString('base64'))}`, 'InvalidParameterValue'],
  [
    'NextToken of another filter',
    `Action=ListIdentities&${V}&IdentityType=Domain&NextToken=${encodeURIComponent(Buffer.from('sig1:1:*').toString('base64'))}`,
    'InvalidParameterValue',
  ],
  ['address without @', `Action=VerifyEmailIdentity&${V}&EmailAddress=not-an-address`, 'InvalidParameterValue'],
  ['address with a non-ASCII local part', `Action=VerifyEmailIdentity&${V}&EmailAddress=j%C3%BCrgen%40example.com`, 'InvalidParameterValue'],
  ['address with a space', `Action=VerifyEmailIdentity&${V}&EmailAddress=a+b%40example.com`, 'InvalidParameterValue'],
  ['address with a bad domain', `Action=VerifyEmailAddress&${V}&EmailAddress=a%40bad_domain.com`, 'InvalidParameterValue'],
  ['missing EmailAddress', `Action=VerifyEmailIdentity&${V}`, 'ValidationError'],
  ['DeleteIdentity with a bad name', `Action=DeleteIdentity&${V}&Identity=bad%00name.com`, 'InvalidParameterValue'],
  ['VerifyDomainIdentity with a bad name', `Action=VerifyDomainIdentity&${V}&Domain=a..b`, 'InvalidParameterValue'],
  ['oversized body', Buffer.concat([Buffer.from(vdd('example.com')), Buffer.alloc(MAX_BODY_BYTES, 0x61)]), 'InvalidParameterValue'],
];

describe('malformed requests get 400 ErrorResponses and change nothing', () => {
  let app: TestApp;
  let before_: unknown;
  before(async () => {
    app = await openTestApp();
    // Some real state, so that "unchanged" means something.
    assert.equal((await app.call(vdd('kept.example.com'))).status, 200);
    assert.equal((await app.call(`Action=VerifyEmailIdentity&${V}&EmailAddress=me%40kept.example.com`)).status, 200);
    before_ = app.snapshot();
  });
  after(async () => {
    await app.close();
  });

  it(`has at least 40 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 40);
  });

  for (const [name, body, code] of CASES) {
    it(name, async () => {
      const response = await app.call(body);
      assert.equal(response.status, 400, response.body);
      assert.equal(response.code, code, response.body);
      assert.match(response.body, /^<ErrorResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/"><Error><Type>Sender<\/Type>/);
      assert.match(response.body, /<Message>[^<]{10,}<\/Message>/, 'a message that says what is wrong');
      assert.match(response.body, /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
      // The body must be well-formed XML 1.0 even when it echoes hostile input.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 forbids.
      assert.doesNotMatch(response.body, /[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    });
  }

  it('left the store unchanged', () => {
    assert.deepEqual(app.snapshot(), before_);
  });
});
