import { DomainError } from './errors.ts';

/** The two kinds of SES identity. The strings are SES's `IdentityType` enum values. */
export type IdentityKind = 'Domain' | 'EmailAddress';

export interface DomainIdentityName {
  readonly kind: 'Domain';
  /** Normal form: ASCII (A-label) lower case, no trailing dot. */
  readonly name: string;
}

export interface EmailIdentityName {
  readonly kind: 'EmailAddress';
  /** `local@domain`, the local part as given, the domain in normal form. */
  readonly name: string;
  readonly localPart: string;
  readonly domain: string;
}

export type IdentityName = DomainIdentityName | EmailIdentityName;

/**
 * Converts an internationalized name to its ASCII (A-label) form. Passed in so that the core stays free
 * of platform imports; the composition root gives it `main/to-ascii.ts` (`node:url`'s UTS #46 processing,
 * the same conversion browsers and SES clients use). Returns '' when the name has no ASCII form.
 */
export type ToAscii = (name: string) => string;

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253; // RFC 1035 §2.3.4: 255 octets on the wire = 253 characters in text form
const MAX_LOCAL_PART = 64; // RFC 5321 §4.5.3.1.1
// RFC 5322 §3.2.3 atext plus '.', the characters an unquoted ASCII local part may hold. SES requires a
// 7-bit local part ("The local part must be 7-bit ASCII"); quoted local parts are not accepted.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

function invalidDomain(input: string): DomainError {
  return new DomainError('invalid_domain', `Invalid domain name ${input}.`);
}

/**
 * Puts a domain name in SES's normal form: lower case, one trailing dot dropped, internationalized names
 * converted to their ASCII form; then checks it: at least two labels, each 1-63 letters, digits or
 * hyphens not starting or ending with a hyphen (RFC 1123 §2.1 LDH rule), at most 253 characters.
 */
export function normalizeDomain(input: string, toAscii: ToAscii): string {
  if (input.length === 0 || input.length > 1024) throw invalidDomain(input);
  let name = input.endsWith('.') ? input.slice(0, -1) : input;
  // Anything outside printable ASCII must go through IDNA; control characters and spaces never pass.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects.
  if (/[\x00-\x20\x7f]/.test(name)) throw invalidDomain(input);
  // Non-ASCII names need their A-label form; names with A-labels (`xn--`) are checked by the same
  // conversion, which refuses Punycode that does not decode (RFC 5891 §5.4).
  if (/[^\x21-\x7e]/.test(name) || /(^|\.)xn--/i.test(name)) {
    const ascii = toAscii(name);
    if (ascii === '') throw invalidDomain(input);
    name = ascii;
  }
  name = name.toLowerCase();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw invalidDomain(input);
  const labels = name.split('.');
  if (labels.length < 2) throw invalidDomain(input);
  for (const label of labels) {
    if (!LDH_LABEL.test(label)) throw invalidDomain(input);
  }
  // A top-level label of digits only would make the name an IPv4 address literal, never a domain.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw invalidDomain(input);
  return name;
}

/** Checks an e-mail address `local@domain` and puts its domain in normal form. */
export function normalizeEmail(input: string, toAscii: ToAscii): EmailIdentityName {
  const at = input.lastIndexOf('@');
  const invalid = () => new DomainError('invalid_email', `Invalid email address ${input}.`);
  if (at <= 0 || at === input.length - 1) throw invalid();
  const localPart = input.slice(0, at);
  if (localPart.length > MAX_LOCAL_PART || !LOCAL_PART.test(localPart)) throw invalid();
  if (localPart.startsWith('.') || localPart.endsWith('.') || localPart.includes('..')) throw invalid();
  let domain: string;
  try {
    domain = normalizeDomain(input.slice(at + 1), toAscii);
  } catch {
    throw invalid();
  }
  return { kind: 'EmailAddress', name: `${localPart}@${domain}`, localPart, domain };
}

/** An identity as SES names it in DeleteIdentity or Get*Attributes: an address if it holds '@'. */
export function parseIdentityName(input: string, toAscii: ToAscii): IdentityName {
  if (input.includes('@')) return normalizeEmail(input, toAscii);
  try {
    return { kind: 'Domain', name: normalizeDomain(input, toAscii) };
  } catch {
    throw new DomainError('invalid_identity', `Invalid identity ${input}.`);
  }
}

/** The domain an identity belongs to: the domain itself, or an address's domain. */
export function domainOf(identity: IdentityName): string {
  return identity.kind === 'Domain' ? identity.name : identity.domain;
}
