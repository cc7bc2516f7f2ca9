import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SESV2_MODEL } from '../../model/sesv2-model.generated.ts';
import { SesV2Error } from './errors.ts';
import { ModelValidator } from './model-validation.ts';

const validator = new ModelValidator(SESV2_MODEL);
const message = (op: string, body: Record<string, unknown>, labels: Record<string, string> = {}) => {
  try {
    validator.validate(op, body, labels);
    return null;
  } catch (err) {
    assert.ok(err instanceof SesV2Error && err.code === 'BadRequestException' && err.status === 400);
    return err.message;
  }
};

test('valid requests pass, unknown members are ignored', () => {
  assert.equal(message('CreateEmailIdentity', { EmailIdentity: 'example.com', Tags: [{ Key: 'k', Value: 'v' }], Whatever: 1 }), null);
  assert.equal(message('GetEmailIdentity', {}, { EmailIdentity: 'example.com' }), null);
  assert.equal(message('SendEmail', { Content: { Raw: { Data: 'eA==' } } }), null);
});

test('required members, types, enums, lengths and patterns come from the model, in AWS words', () => {
  assert.equal(
    message('CreateEmailIdentity', {}),
    "1 validation error detected: Value null at 'emailIdentity' failed to satisfy constraint: Member must not be null",
  );
  assert.equal(
    message('CreateEmailIdentity', { EmailIdentity: '' }),
    "1 validation error detected: Value '' at 'emailIdentity' failed to satisfy constraint: Member must have length greater than or equal to 1",
  );
  assert.equal(
    message('CreateEmailIdentity', { EmailIdentity: 'a.com', DkimSigningAttributes: { NextSigningKeyLength: 'RSA_4096_BIT' } }),
    "1 validation error detected: Value 'RSA_4096_BIT' at 'dkimSigningAttributes.nextSigningKeyLength' failed to satisfy constraint: Member must satisfy enum value set: [RSA_1024_BIT, RSA_2048_BIT]",
  );
  assert.match(
    message('CreateEmailIdentity', { EmailIdentity: 5, Tags: [{ Key: 'k' }] })!,
    /^2 validation errors detected: Value at 'emailIdentity' must be of type string; Value null at 'tags\.1\.member\.value'/,
  );
  assert.match(
    message('CreateEmailIdentity', { EmailIdentity: 'a.com', DkimSigningAttributes: { DomainSigningSelector: '-bad' } })!,
    /regular expression pattern/,
  );
  assert.match(message('PutEmailIdentityDkimAttributes', { SigningEnabled: 'yes' }, { EmailIdentity: 'a.com' })!, /must be of type boolean/);
  assert.match(
    message('PutEmailIdentityDkimSigningAttributes', {}, { EmailIdentity: 'a.com' })!,
    /'signingAttributesOrigin' failed to satisfy constraint: Member must not be null/,
  );
  assert.match(
    message('SendEmail', { Content: { Simple: { Subject: { Data: 's' }, Body: {}, Headers: [{ Name: 'Bad:Name', Value: 'v' }] } } })!,
    /content\.simple\.headers\.1\.member\.name/,
  );
  assert.match(
    message('GetEmailIdentity', {}, { EmailIdentity: '' })!,
    /'emailIdentity' failed to satisfy constraint: Member must have length greater than or equal to 1/,
  );
});
