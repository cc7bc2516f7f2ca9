import type { DetectionOutcome } from './dkim-diagnosis.ts';
import { nextDkimDetection, type DetectionPolicy, type DkimDetectionState, type DkimDetectionStep } from './dkim-lifecycle.ts';
import { canonicalDnsName, isDefiniteAbsence, isInZone, type DnsLookup } from './dns-lookup.ts';
import { DomainError } from './errors.ts';
import type { VerificationStatus } from './status.ts';

/** SES's `BehaviorOnMXFailure` (v1 names; v2 spells them `USE_DEFAULT_VALUE` / `REJECT_MESSAGE`). */
export const BEHAVIORS_ON_MX_FAILURE = ['UseDefaultValue', 'RejectMessage'] as const;
export type BehaviorOnMxFailure = (typeof BEHAVIORS_ON_MX_FAILURE)[number];

export function isBehaviorOnMxFailure(value: string): value is BehaviorOnMxFailure {
  return (BEHAVIORS_ON_MX_FAILURE as readonly string[]).includes(value);
}

/** The statuses a custom MAIL FROM domain goes through (`CustomMailFromStatus`: no NotStarted). */
export type MailFromStatus = Exclude<VerificationStatus, 'NotStarted'>;

/** An identity's custom MAIL FROM set-up, as SetIdentityMailFromDomain leaves it and detection moves it. */
export interface MailFromSettings {
  /** Null when no custom MAIL FROM domain is set (SES then reports only BehaviorOnMXFailure). */
  readonly mailFromDomain: string | null;
  readonly behaviorOnMxFailure: BehaviorOnMxFailure;
  readonly status: MailFromStatus;
}

/**
 * What the detection worker expects at a MAIL FROM domain. SES asks for `MX 10
 * feedback-smtp.<region>.amazonses.com` (where receivers send bounces and complaints) and, for SPF to
 * pass, `TXT "v=spf1 include:amazonses.com ~all"`; Signet's operator names its own hosts.
 */
export interface MailFromExpectation {
  /** The MX target; `{region}` stands for the identity's region. */
  readonly mxHost: string;
  /** The domain the SPF record must `include:`. */
  readonly spfInclude: string;
}

export const DEFAULT_MAIL_FROM_EXPECTATION: MailFromExpectation = {
  mxHost: 'feedback-smtp.{region}.amazonses.com',
  spfInclude: 'amazonses.com',
};

/** The MX target expected for an identity in `region`, canonical form. */
export function expectedMailFromMx(expect: MailFromExpectation, region: string): string {
  return canonicalDnsName(expect.mxHost.replaceAll('{region}', region));
}

/** The SPF record SES tells customers to publish at the MAIL FROM domain. */
export function expectedMailFromSpf(expect: MailFromExpectation): string {
  return `v=spf1 include:${expect.spfInclude} ~all`;
}

/**
 * SetIdentityMailFromDomain's rule that "the MAIL FROM domain must be a subdomain of the verified
 * identity" (of an address's domain); SES refuses the identity's own domain with the same words
 * (InvalidParameterValue "Provided MAIL-FROM domain <m> is not subdomain of the domain of the
 * identity <d>.", as seen from real SES). Both names in normal form.
 */
export function checkMailFromDomain(mailFromDomain: string, identityDomain: string): void {
  if (mailFromDomain === identityDomain || !isInZone(mailFromDomain, identityDomain)) {
    throw new DomainError(
      'invalid_parameter',
      `Provided MAIL-FROM domain <${mailFromDomain}> is not subdomain of the domain of the identity <${identityDomain}>.`,
    );
  }
}

/** What one check concluded about the MX record at the MAIL FROM domain. */
export type MailFromMxVerdict =
  | 'ok'
  /** No MX at the name (NXDOMAIN or NODATA). */
  | 'missing'
  /** MX records, none to the feedback host. */
  | 'points_elsewhere'
  /** No verdict: the resolver could not answer. */
  | 'resolver_error';

/** What one check concluded about the SPF record at the MAIL FROM domain. */
export type MailFromSpfVerdict =
  | 'ok'
  /** No `v=spf1` TXT record. */
  | 'missing'
  /** An SPF record that does not include the sending service's domain. */
  | 'no_include'
  | 'resolver_error';

/**
 * Judges the MX lookup (values `PRIORITY EXCHANGE`): found when one exchange is the feedback host,
 * compared case-insensitively with the trailing dot ignored (RFC 4343). The priority is not checked:
 * SES's documentation suggests 10 but any works, since it is the only MX.
 */
export function judgeMailFromMx(lookup: DnsLookup, expectedHost: string): MailFromMxVerdict {
  if (!lookup.ok) return isDefiniteAbsence(lookup.error) ? 'missing' : 'resolver_error';
  if (lookup.values.length === 0) return 'missing';
  const hosts = lookup.values.map((v) => canonicalDnsName(v.trim().split(/\s+/).at(-1) ?? ''));
  return hosts.includes(expectedHost) ? 'ok' : 'points_elsewhere';
}

/**
 * Judges the TXT lookup: an SPF record (RFC 7208 §4.5: the one starting `v=spf1`) holding the
 * mechanism `include:<spfInclude>` (with any qualifier), compared case-insensitively.
 */
export function judgeMailFromSpf(lookup: DnsLookup, spfInclude: string): MailFromSpfVerdict {
  if (!lookup.ok) return isDefiniteAbsence(lookup.error) ? 'missing' : 'resolver_error';
  const spf = lookup.values.filter((v) => /^v=spf1(\s|$)/i.test(v.trim()));
  if (spf.length === 0) return 'missing';
  const wanted = canonicalDnsName(spfInclude);
  const includes = spf.some((record) =>
    record
      .trim()
      .split(/\s+/)
      .some((term) => {
        const m = /^[+?~-]?include:(.+)$/i.exec(term);
        return m !== null && canonicalDnsName(m[1]!) === wanted;
      }),
  );
  return includes ? 'ok' : 'no_include';
}

/**
 * The status follows the MX record, as SES's does ("whether Amazon SES has successfully read the MX
 * record required for custom MAIL FROM domain setup"): the SPF record decides whether receivers'
 * SPF checks pass, not whether SES uses the domain, so it is reported beside the status.
 */
export function mailFromOutcome(mx: MailFromMxVerdict): DetectionOutcome {
  if (mx === 'ok') return 'found';
  return mx === 'resolver_error' ? 'inconclusive' : 'not_found';
}

export type MailFromDetectionState = DkimDetectionState;
export type MailFromDetectionStep = DkimDetectionStep;

/**
 * The MAIL FROM domain's lifecycle after one check. It is DKIM's (core/dkim-lifecycle.ts), with the
 * same window and grace: `Pending` until the MX is found (`TemporaryFailure` while the resolver
 * cannot answer), `Failed` when it is not found within the window; after a success, an MX that
 * vanishes is `TemporaryFailure`, then `Failed` when the grace runs out ("SES can't find the required
 * MX record, or the record no longer exists"). Setting the domain again starts it over.
 */
export function nextMailFromDetection(state: MailFromDetectionState, outcome: DetectionOutcome, now: number, policy: DetectionPolicy): MailFromDetectionStep {
  return nextDkimDetection(state, outcome, now, policy);
}

/** How a message's envelope sender is chosen from its identity's MAIL FROM set-up. */
export type EnvelopeDecision =
  /** The verified MAIL FROM domain: the envelope sender is an address there. */
  | { readonly kind: 'mail_from'; readonly domain: string }
  /** No custom domain, or not verified with UseDefaultValue: the default envelope sender. */
  | { readonly kind: 'default' }
  /** Not verified with RejectMessage: SES refuses the message (MailFromDomainNotVerified). */
  | { readonly kind: 'reject'; readonly domain: string };

/**
 * SES: "If the state is Success, Amazon SES uses the specified custom MAIL FROM domain when the
 * verified identity sends an email. All other states indicate that Amazon SES takes the action
 * described by BehaviorOnMXFailure."
 */
export function envelopeDecision(settings: MailFromSettings | null): EnvelopeDecision {
  if (settings === null || settings.mailFromDomain === null) return { kind: 'default' };
  if (settings.status === 'Success') return { kind: 'mail_from', domain: settings.mailFromDomain };
  return settings.behaviorOnMxFailure === 'RejectMessage' ? { kind: 'reject', domain: settings.mailFromDomain } : { kind: 'default' };
}

/**
 * The envelope sender at a verified MAIL FROM domain. SES uses the message's id as the local part
 * (`Return-Path: <0100018c...-000000@mail.example.com>`), so that a bounce names the message it is
 * about (VERP).
 */
export function mailFromEnvelopeSender(messageId: string, domain: string): string {
  return `${messageId}@${domain}`;
}
