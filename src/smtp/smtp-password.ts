import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SES's SMTP password, version 4 (smtp-credentials.md of the SES Developer Guide): the SigV4
 * signing-key chain over `"AWS4" + secret` with the fixed date `11111111`, the region, service `ses`
 * and `aws4_request`, then one more HMAC over `SendRawEmail`, prefixed with the version byte 0x04 and
 * base64-encoded (44 characters, always starting with "B"). The password is bound to its region: a
 * password derived for eu-west-1 is refused at eu-central-1 with 535, as on SES.
 *
 * Pure: no I/O, so the admin command, the first-start output and the listener share it.
 */
export function smtpPasswordV4(secretAccessKey: string, region: string): string {
  return smtpPasswordBytes(secretAccessKey, region).toString('base64');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function smtpPasswordBytes(secretAccessKey: string, region: string): Buffer {
  // The doc's Python encodes "AWS4" + secret as UTF-8; createHmac does the same with a string key.
  const kDate = hmac(`AWS4${secretAccessKey}`, '11111111');
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, 'ses');
  const kTerminal = hmac(kService, 'aws4_request');
  const kMessage = hmac(kTerminal, 'SendRawEmail');
  return Buffer.concat([Buffer.of(0x04), kMessage]);
}

/**
 * The regions with an SES SMTP endpoint (`email-smtp.<region>.amazonaws.com`): the Developer Guide's
 * SMTP_REGIONS list completed with the regions SES opened since, less those SES names as having no
 * SMTP endpoint (Cape Town, Jakarta, Milan, Tel Aviv, Bahrain: smtp-credentials.html). A password
 * derived for any of them authenticates, and its region is the region the message is sent in; one
 * derived for a region outside the list fails with 535, as on SES.
 */
export const SES_SMTP_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'us-gov-west-1',
  'us-gov-east-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'me-central-1',
];

/**
 * The region whose v4 password `password` is, or null. Every candidate is derived and compared in
 * constant time, and the loop never stops early, so the time taken says nothing about which region
 * (if any) matched or how much of the password was right.
 */
export function regionOfSmtpPassword(secretAccessKey: string, password: string, regions: readonly string[]): string | null {
  // A wrong-length or non-base64 password still goes through every comparison, against a dummy.
  const given = Buffer.alloc(33);
  const decoded = Buffer.from(password, 'base64');
  const wellFormed = decoded.length === 33 && decoded.toString('base64') === password;
  if (wellFormed) decoded.copy(given);
  let match: string | null = null;
  for (const region of regions) {
    const equal = timingSafeEqual(smtpPasswordBytes(secretAccessKey, region), given);
    if (equal && wellFormed && match === null) match = region;
  }
  return match;
}
