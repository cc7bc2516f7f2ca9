import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { regionOfSmtpPassword, SES_SMTP_REGIONS, smtpPasswordV4 } from './smtp-password.ts';

/**
 * Published vectors: hashicorp/terraform-provider-aws TestSESSMTPPasswordFromSecretKeySigV4 (the
 * passwords of aws_iam_access_key.ses_smtp_password_v4 that users log in to SES with), and the AWS
 * documentation's example secret recomputed with the Developer Guide's Python.
 */
const VECTORS: readonly [region: string, secret: string, password: string][] = [
  ['eu-central-1', 'some+secret+key', 'BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2'],
  ['eu-central-1', 'another+secret+key', 'BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh'],
  ['us-west-1', 'some+secret+key', 'BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj'],
  ['us-west-1', 'another+secret+key', 'BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF'],
  ['us-east-1', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9'],
  ['us-west-2', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd'],
  ['eu-west-1', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk'],
  ['us-east-1', 'secret', 'BHlIeyDS4HKFlws/Wlu6WRChwO84ARb1Ju9h0cZWr4+3'],
];

describe('SES SMTP password (v4)', () => {
  for (const [region, secret, password] of VECTORS) {
    it(`${region} ${secret}`, () => {
      assert.equal(smtpPasswordV4(secret, region), password);
      assert.equal(regionOfSmtpPassword(secret, password, SES_SMTP_REGIONS), region);
    });
  }

  it('refuses a password of another secret, a truncated one, the raw secret and non-base64 text', () => {
    const [, , password] = VECTORS[0]!;
    assert.equal(regionOfSmtpPassword('another+secret+key', password, SES_SMTP_REGIONS), null);
    assert.equal(regionOfSmtpPassword('some+secret+key', password.slice(0, -1), SES_SMTP_REGIONS), null);
    assert.equal(regionOfSmtpPassword('some+secret+key', 'some+secret+key', SES_SMTP_REGIONS), null);
    assert.equal(regionOfSmtpPassword('some+secret+key', `${password}\u0000`, SES_SMTP_REGIONS), null);
  });

  it('binds the password to the regions offered: one derived for a region not in the list fails', () => {
    const [, secret, password] = VECTORS[0]!; // eu-central-1
    assert.equal(regionOfSmtpPassword(secret, password, ['us-east-1', 'eu-west-1']), null);
  });
});
