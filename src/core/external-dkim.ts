import { isDefiniteAbsence, type DnsLookup } from './dns-lookup.ts';
import type { VerificationStatus } from './status.ts';

/**
 * Bring Your Own DKIM (issue 16 item 4; SES "Provide your own authentication token"): the customer
 * publishes one TXT at `SELECTOR._domainkey.DOMAIN` whose `p=` is the public half of the private key
 * they gave. Detection compares that `p=` with the key's SubjectPublicKeyInfo; SES: the value "must be
 * a public key that's paired with the private key". The verdict strings are stable (doctor, store).
 */
export type ExternalKeyVerdict =
  | 'ok'
  /** Nothing at the selector (NXDOMAIN, or no TXT there). */
  | 'missing'
  /** A well-formed DKIM key record, but with another public key (or a revoked, empty `p=`). */
  | 'another_key'
  /** TXT at the selector, but none is a DKIM key record RFC 6376 §3.6.1 can read. */
  | 'malformed_record'
  /** The resolver gave no verdict: nothing can be said yet. */
  | 'resolver_error';

export interface ExternalKeyJudgement {
  readonly verdict: ExternalKeyVerdict;
  /** What DNS answered, for people. */
  readonly observed: string;
}

/** The name the customer publishes their key at (RFC 6376 §3.6.2.1). */
export function externalSelectorName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** SES's Selector pattern (API model): a DNS label of letters, digits and inner hyphens, 1 to 63 characters. */
export function isValidSelector(selector: string): boolean {
  return selector.length >= 1 && selector.length <= 63 && /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/.test(selector);
}

/**
 * RFC 6376 §3.2 tag-list: `tag=value` separated by `;`, whitespace around both ignored. Returns null
 * when the text is not a tag-list (a tag without `=`, a duplicated tag: §3.2 "MUST be treated as invalid").
 */
export function parseTagList(text: string): Map<string, string> | null {
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || tags.has(name)) return null;
    tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

type KeyRecord = { readonly kind: 'key'; readonly p: string } | { readonly kind: 'malformed' };

/** One TXT value read as a DKIM key record (RFC 6376 §3.6.1): v=DKIM1 first if present, k=rsa, p= required. */
function readKeyRecord(text: string): KeyRecord {
  const tags = parseTagList(text);
  if (tags === null) return { kind: 'malformed' };
  const v = tags.get('v');
  if (v !== undefined && (v !== 'DKIM1' || [...tags.keys()][0] !== 'v')) return { kind: 'malformed' };
  const k = tags.get('k');
  if (k !== undefined && k.toLowerCase() !== 'rsa') return { kind: 'malformed' };
  const p = tags.get('p');
  // §3.6.1: p= is base64 and may hold folding whitespace; strip it before comparing.
  if (p === undefined) return { kind: 'malformed' };
  const compact = p.replace(/\s+/g, '');
  if (compact !== '' && !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return { kind: 'malformed' };
  return { kind: 'key', p: compact };
}

/** Judges the TXT lookup at the selector against the external key's public half (base64 SPKI DER). */
export function judgeExternalKeyRecord(lookup: DnsLookup, publicKey: string): ExternalKeyJudgement {
  if (!lookup.ok) {
    const observed = lookup.detail ? `${lookup.error} (${lookup.detail})` : lookup.error;
    return { verdict: isDefiniteAbsence(lookup.error) ? 'missing' : 'resolver_error', observed };
  }
  if (lookup.values.length === 0) return { verdict: 'missing', observed: 'no TXT record' };
  const observed = lookup.values.join(', ');
  const records = lookup.values.map(readKeyRecord);
  if (records.some((r) => r.kind === 'key' && r.p === publicKey)) return { verdict: 'ok', observed };
  if (records.some((r) => r.kind === 'key')) return { verdict: 'another_key', observed };
  return { verdict: 'malformed_record', observed };
}

/** Why a BYODKIM verdict holds the status where it is, in words for the doctor. */
export function externalVerdictAdvice(verdict: ExternalKeyVerdict, name: string): string {
  switch (verdict) {
    case 'ok':
      return `the TXT at ${name} holds this key's public half`;
    case 'missing':
      return `no TXT record at ${name}: publish "p=<public key>" there`;
    case 'another_key':
      return `the TXT at ${name} holds another public key than the private key given (or an empty, revoked p=)`;
    case 'malformed_record':
      return `the TXT at ${name} is not a DKIM key record (RFC 6376 §3.6.1: "v=DKIM1; k=rsa; p=<base64>", p= required)`;
    case 'resolver_error':
      return `the resolver could not answer for ${name}; detection tries again`;
  }
}

/** An external key's detection state, as the next check's step needs it. */
export interface ExternalKeyState {
  readonly status: VerificationStatus;
  /** Since when the key has not been served right: its creation, or the check that first missed it after a Success. Null while Success. */
  readonly unverifiedSince: number | null;
}

/**
 * The external key's status after a check. SES: "If Amazon SES isn't able to detect the public key in
 * DNS within 72 hours, the status changes to FAILED" (Provide your own DKIM authentication token);
 * the window is Easy DKIM's (DETECTION_POLICY.windowMs) and starts when the key is given, or when a
 * key that was served right stops being so (the grace Easy DKIM gives vanished records).
 * - `ok` is Success from any status, Failed included: a key found later signs again.
 * - A definite miss is Pending (the key stops signing at once: DNS no longer serves it) until the
 *   window is over, then Failed. Failed is final for the schedule; the customer gives the key again
 *   (PutEmailIdentityDkimSigningAttributes) to start a new window.
 * - A resolver error says nothing: the status stays, but the window still runs out.
 */
export function nextExternalKeyState(state: ExternalKeyState, verdict: ExternalKeyVerdict, now: number, windowMs: number): ExternalKeyState {
  if (verdict === 'ok') return { status: 'Success', unverifiedSince: null };
  const since = state.unverifiedSince ?? now;
  if (state.status === 'Failed' || now - since >= windowMs) return { status: 'Failed', unverifiedSince: since };
  if (verdict === 'resolver_error') return { status: state.status, unverifiedSince: state.status === 'Success' ? null : since };
  return { status: 'Pending', unverifiedSince: since };
}
