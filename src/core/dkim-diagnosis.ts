import { canonicalDnsName, isDefiniteAbsence, type DnsLookup } from './dns-lookup.ts';
import type { ExpectedDkimCname } from './dkim-record.ts';

/**
 * What is wrong (or right) with one of a domain's three DKIM CNAMEs. The strings are stable: the
 * doctor prints them, the store keeps them with each check.
 */
export type DkimRecordVerdict =
  | 'ok'
  /** Nothing at `TOKEN._domainkey.DOMAIN` (NXDOMAIN or no CNAME). */
  | 'missing'
  /** A CNAME, but to another target. */
  | 'points_elsewhere'
  /**
   * The DNS console appended the zone to a name that was already absolute: the record sits at
   * `TOKEN._domainkey.DOMAIN.DOMAIN`, or its target ends in `.DOMAIN` once too often.
   */
  | 'domain_appended_twice'
  /** A TXT record where the CNAME belongs (the key pasted instead of the pointer to it). */
  | 'txt_instead_of_cname'
  /** The resolver gave no verdict (SERVFAIL, timeout, unreachable): nothing can be said yet. */
  | 'resolver_error';

export const DKIM_RECORD_VERDICTS: readonly DkimRecordVerdict[] = [
  'ok',
  'missing',
  'points_elsewhere',
  'domain_appended_twice',
  'txt_instead_of_cname',
  'resolver_error',
];

/** What DNS said about one expected CNAME. The extra lookups are the doctor's, made only when it is absent. */
export interface DkimRecordObservation {
  /** CNAME at `TOKEN._domainkey.DOMAIN`. */
  readonly cname: DnsLookup;
  /** TXT at the same name. */
  readonly txt?: DnsLookup;
  /** CNAME at `TOKEN._domainkey.DOMAIN.DOMAIN`. */
  readonly doubled?: DnsLookup;
}

export interface DkimRecordJudgement {
  readonly verdict: DkimRecordVerdict;
  /** What DNS answered, in words and names, for people: the target, the TXT text, or the error. */
  readonly observed: string;
}

function describe(lookup: DnsLookup): string {
  if (lookup.ok) return lookup.values.join(', ');
  return lookup.detail ? `${lookup.error} (${lookup.detail})` : lookup.error;
}

/**
 * Judges one CNAME. SES accepts the record when the CNAME points at the key name, compared
 * case-insensitively with the trailing dot ignored (RFC 4343; RFC 1034 §3.1 absolute names).
 */
export function judgeDkimRecord(expected: ExpectedDkimCname, domain: string, observation: DkimRecordObservation): DkimRecordJudgement {
  const { cname } = observation;
  if (cname.ok) {
    const targets = cname.values.map(canonicalDnsName);
    const observed = describe(cname);
    if (targets.includes(expected.target)) return { verdict: 'ok', observed };
    if (targets.includes(`${expected.target}.${domain}`)) return { verdict: 'domain_appended_twice', observed };
    return { verdict: 'points_elsewhere', observed };
  }
  if (!isDefiniteAbsence(cname.error)) return { verdict: 'resolver_error', observed: describe(cname) };
  const doubled = observation.doubled;
  if (doubled?.ok) {
    return { verdict: 'domain_appended_twice', observed: `CNAME at ${expected.name}.${domain}: ${describe(doubled)}` };
  }
  const txt = observation.txt;
  if (txt?.ok && txt.values.length > 0) return { verdict: 'txt_instead_of_cname', observed: `TXT ${describe(txt)}` };
  return { verdict: 'missing', observed: describe(cname) };
}

/** What one detection check concluded about the whole set of three records. */
export type DetectionOutcome =
  /** Every record is right. */
  | 'found'
  /** At least one record is definitely absent or wrong. */
  | 'not_found'
  /** No record is definitely wrong, but the resolver could not answer for some: no verdict. */
  | 'inconclusive';

export function detectionOutcome(verdicts: readonly DkimRecordVerdict[]): DetectionOutcome {
  if (verdicts.length > 0 && verdicts.every((v) => v === 'ok')) return 'found';
  if (verdicts.some((v) => v !== 'ok' && v !== 'resolver_error')) return 'not_found';
  return 'inconclusive';
}

/** Whether VerifyDomainIdentity's token is among the TXT values at `_amazonses.DOMAIN`. */
export function verificationTxtOutcome(lookup: DnsLookup, token: string): DetectionOutcome {
  if (lookup.ok) return lookup.values.includes(token) ? 'found' : 'not_found';
  return isDefiniteAbsence(lookup.error) ? 'not_found' : 'inconclusive';
}
