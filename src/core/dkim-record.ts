/**
 * The DNS records of Easy DKIM: the CNAME the customer publishes at `TOKEN._domainkey.DOMAIN`, and the
 * TXT record the key zone answers at `TOKEN.<zone>` (the name the CNAME points to).
 */

/** RFC 1035 §3.3: a <character-string> is one length octet and at most 255 octets of data. */
export const MAX_CHARACTER_STRING_BYTES = 255;

/** Where the customer publishes a token's CNAME: the token is the DKIM selector (RFC 6376 §3.6.2.1). */
export function dkimSelectorName(token: string, domain: string): string {
  return `${token}._domainkey.${domain}`;
}

/** The name in the key zone that holds a token's public key, the CNAME's target. */
export function dkimKeyName(token: string, zone: string): string {
  return `${token}.${zone}`;
}

/** Where VerifyDomainIdentity's token is published as TXT, as SES expects it. */
export function domainVerificationName(domain: string): string {
  return `_amazonses.${domain}`;
}

const DKIM_RECORD_PREFIX = 'v=DKIM1; k=rsa; p=';

/**
 * The key record's text: RFC 6376 §3.6.1 tags `v=DKIM1` (must come first), `k=rsa` and `p=` with the
 * base64 DER SubjectPublicKeyInfo.
 */
export function dkimTxtRecordText(publicKey: string): string {
  return `${DKIM_RECORD_PREFIX}${publicKey}`;
}

/**
 * The public key of a record dkimTxtRecordText wrote (its inverse, for a server that keeps only the
 * record); null for any other text.
 */
export function publicKeyOfDkimTxtRecordText(text: string): string | null {
  return text.startsWith(DKIM_RECORD_PREFIX) ? text.slice(DKIM_RECORD_PREFIX.length) : null;
}

/**
 * Splits a TXT value into character-strings of at most 255 bytes. Verifiers join them without a
 * separator (RFC 6376 §3.6.2.2), so a 2048-bit key, whose record is longer than 255 bytes, can be split
 * anywhere. The text is ASCII, so characters are bytes.
 */
export function splitCharacterStrings(text: string): string[] {
  if (text.length === 0) return [''];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += MAX_CHARACTER_STRING_BYTES) {
    out.push(text.slice(i, i + MAX_CHARACTER_STRING_BYTES));
  }
  return out;
}

/** The character-strings of a token's key record, ready for the wire or a zone file. */
export function dkimTxtRecordStrings(publicKey: string): string[] {
  return splitCharacterStrings(dkimTxtRecordText(publicKey));
}

/** One CNAME the customer must publish, as the doctor and the console show it. */
export interface ExpectedDkimCname {
  readonly token: string;
  /** `TOKEN._domainkey.DOMAIN`, canonical form. */
  readonly name: string;
  /** `TOKEN.<zone>`, canonical form. */
  readonly target: string;
}

export function expectedDkimCnames(domain: string, tokens: readonly string[], zone: string): ExpectedDkimCname[] {
  return tokens.map((token) => ({ token, name: dkimSelectorName(token, domain), target: dkimKeyName(token, zone) }));
}

/** A CNAME as a zone-file line (RFC 1035 §5.1), absolute names, ready to paste. */
export function cnameZoneLine(record: ExpectedDkimCname, ttl = 1800): string {
  return `${record.name}. ${ttl} IN CNAME ${record.target}.`;
}

/** TXT character-strings quoted for a zone file (RFC 1035 §5.1: `"` and `\` are escaped). */
export function quoteCharacterStrings(strings: readonly string[]): string {
  return strings.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ');
}
