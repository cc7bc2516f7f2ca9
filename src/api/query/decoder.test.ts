import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../core/index.ts';
import { SES_MODEL } from '../../model/ses-model.generated.ts';
import { parseForm } from '../form.ts';
import { SesError } from '../ses-error.ts';
import { compileDecoder, type DecodeRules } from './decoder.ts';

const sesError = (code: string, pattern?: RegExp) => (err: unknown) =>
  err instanceof SesError && err.code === code && (pattern === undefined || pattern.test(err.message));
const missing = (field: string) => (err: unknown) =>
  isDomainError(err) &&
  err.code === 'missing_parameter' &&
  err.message === `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`;
const decode = (shape: string, body: string, rules?: DecodeRules) => compileDecoder(SES_MODEL, shape, rules)(parseForm(Buffer.from(body, 'latin1')));

describe('Query input decoded from the model (api/query/decoder.ts)', () => {
  it('strings, booleans and integers by the shape; keys the shape does not name are ignored', () => {
    assert.deepEqual(decode('SetIdentityDkimEnabledRequest', 'Action=X&Identity=v&DkimEnabled=true&Other=1'), { Identity: 'v', DkimEnabled: true });
    assert.deepEqual(decode('SetIdentityDkimEnabledRequest', 'Identity=v&DkimEnabled=false'), { Identity: 'v', DkimEnabled: false });
    assert.throws(
      () => decode('SetIdentityDkimEnabledRequest', 'Identity=v&DkimEnabled=yes'),
      sesError('InvalidParameterValue', /DkimEnabled: must be true or false/),
    );
    assert.deepEqual(decode('ListIdentitiesRequest', 'MaxItems=-42'), { MaxItems: -42 });
    assert.deepEqual(decode('ListIdentitiesRequest', ''), {});
    assert.throws(() => decode('ListIdentitiesRequest', 'MaxItems=12345678901'), sesError('InvalidParameterValue', /must be an integer/));
    assert.throws(() => decode('ListIdentitiesRequest', 'MaxItems=1.5'), sesError('InvalidParameterValue', /must be an integer/));
  });

  it("a missing required member is AWS's model-validation message naming the missing leaf, lower-camel-cased", () => {
    assert.throws(() => decode('VerifyEmailIdentityRequest', ''), missing('emailAddress'));
    // Message and Subject are required too, but SES names the leaf.
    assert.throws(() => decode('SendEmailRequest', 'Source=a@example.com'), missing('message.Subject.Data'));
    // In an optional structure a missing required member makes the structure absent (Body.Text without Data).
    assert.deepEqual(decode('SendEmailRequest', 'Source=a&Message.Subject.Data=s&Message.Body.Text.Charset=UTF-8'), {
      Source: 'a',
      Destination: {},
      Message: { Subject: { Data: 's' }, Body: {} },
    });
  });

  it('the first error SES reports: members in model order unless the rules say which come first', () => {
    assert.throws(() => decode('SendEmailRequest', ''), missing('source'));
    assert.throws(() => decode('SendEmailRequest', '', { first: ['Message'] }), missing('message.Subject.Data'));
    // A check on a member runs as soon as it is read, before the members after it.
    const refuse = () => {
      throw new SesError('InvalidParameterValue', 'checked first');
    };
    assert.throws(
      () => decode('SendRawEmailRequest', 'RawMessage.Data=eA==&Destinations.member.0=x', { first: ['RawMessage'], checks: { RawMessage: refuse } }),
      sesError('InvalidParameterValue', /checked first/),
    );
  });

  it("enums: AWS's validation message, values sorted, unless the use case checks them", () => {
    assert.throws(
      () => decode('SetIdentityMailFromDomainRequest', 'Identity=a&BehaviorOnMXFailure=Nope'),
      sesError(
        'ValidationError',
        /^1 validation error detected: Value 'Nope' at 'behaviorOnMXFailure' failed to satisfy constraint: Member must satisfy enum value set: \[RejectMessage, UseDefaultValue\]$/,
      ),
    );
    assert.deepEqual(decode('ListIdentitiesRequest', 'IdentityType=Nope', { enumsCheckedByUseCase: ['IdentityType'] }), { IdentityType: 'Nope' });
  });

  it('lists: Name.member.N in numeric order, the bare Name= for an empty list, gaps refused', () => {
    const body = `Identities.member.2=b&Identities.member.1=a&Identities.member.10=j&${Array.from({ length: 7 }, (_, i) => `Identities.member.${i + 3}=${i}`).join('&')}`;
    assert.deepEqual(decode('GetIdentityDkimAttributesRequest', body), { Identities: ['a', 'b', '0', '1', '2', '3', '4', '5', '6', 'j'] });
    assert.deepEqual(decode('GetIdentityDkimAttributesRequest', 'Identities='), { Identities: [] });
    assert.deepEqual(decode('SendRawEmailRequest', 'RawMessage.Data=eA==&Destinations='), { RawMessage: { Data: 'eA==' }, Destinations: [] });
    assert.deepEqual(decode('SendRawEmailRequest', 'RawMessage.Data=eA=='), { RawMessage: { Data: 'eA==' } });
    assert.throws(
      () => decode('GetIdentityDkimAttributesRequest', 'Identities.member.1=a&Identities.member.3=c'),
      sesError('InvalidParameterValue', /without gaps/),
    );
    assert.throws(() => decode('GetIdentityDkimAttributesRequest', 'Identities.member.0=a'), sesError('InvalidParameterValue', /index/));
    assert.throws(() => decode('GetIdentityDkimAttributesRequest', 'Identities.member.01=a'), sesError('InvalidParameterValue'));
    assert.throws(() => decode('GetIdentityDkimAttributesRequest', ''), missing('identities'));
  });

  it('structure lists (Tags.member.N.Name/Value): fields by name, unknown fields and gaps refused, a missing field named as SES does', () => {
    const base = 'RawMessage.Data=eA==&';
    assert.deepEqual(decode('SendRawEmailRequest', `${base}Tags.member.1.Name=a&Tags.member.1.Value=1&Tags.member.2.Name=b&Tags.member.2.Value=2`).Tags, [
      { Name: 'a', Value: '1' },
      { Name: 'b', Value: '2' },
    ]);
    assert.throws(
      () => decode('SendRawEmailRequest', `${base}Tags.member.1.Name=a&Tags.member.1.Value=1&Tags.member.2.Name=b`),
      missing('tags.2.member.value'),
    );
    assert.throws(() => decode('SendRawEmailRequest', `${base}Tags.member.1.Colour=x`), sesError('InvalidParameterValue', /Invalid list member/));
    assert.throws(() => decode('SendRawEmailRequest', `${base}Tags.member.2.Name=x`), sesError('InvalidParameterValue', /without gaps/));
  });
});
