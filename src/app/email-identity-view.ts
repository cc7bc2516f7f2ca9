import {
  dkimAttributesOf,
  domainOf,
  parseIdentityName,
  type DkimRecordVerdict,
  type Identity,
  type IdentityKind,
  type MailFromSettings,
  type Scope,
  type VerificationStatus,
} from '../core/index.ts';
import type { AppContext } from './context.ts';
import type { EmailIdentityStore, IdentityDetails, RecordVerdict } from './email-identity-ports.ts';
import { chosenExternalKey, withExternalKey } from './external-dkim.ts';

/** The use cases of SES v2's identity operations need the v2 details beside the main store. */
export interface EmailIdentityContext extends AppContext {
  readonly identities: EmailIdentityStore;
}

/** Why the last check did not find a domain's records, in the terms SES v2's VerificationInfo uses. */
export type VerificationProblem = 'host_not_found' | 'type_not_found' | 'invalid_value' | 'dns_server_error';

export interface EmailIdentityView {
  readonly name: string;
  readonly kind: IdentityKind;
  readonly verificationStatus: VerificationStatus;
  /** SES: the identity itself is verified, or (an address) its domain is. */
  readonly verifiedForSending: boolean;
  readonly dkim: {
    readonly signingEnabled: boolean;
    readonly status: VerificationStatus;
    readonly tokens: readonly string[] | null;
    /** SigningAttributesOrigin: EXTERNAL while the customer's own key is the chosen method (Tokens = [selector]). */
    readonly origin: 'AWS_SES' | 'EXTERNAL';
    /** Bits of the key that signs, and of the next one; null without keys (addresses, no DKIM). */
    readonly currentKeyBits: number | null;
    readonly nextKeyBits: number;
    readonly lastKeyGenerationAt: number | null;
  };
  /** Domains only: what detection last found. */
  readonly verification: {
    readonly lastCheckedAt: number | null;
    readonly lastSuccessAt: number | null;
    readonly problem: VerificationProblem | null;
  } | null;
  readonly details: IdentityDetails;
  /** The custom MAIL FROM set-up, the same row GetIdentityMailFromDomainAttributes reads; null when never set. */
  readonly mailFrom: MailFromSettings | null;
}

/**
 * The detection worker's per-record verdicts, reduced to the one reason SES v2 reports. A wrong value
 * says most about what to fix, then a record of the wrong type, then a resolver that gave no answer
 * (nothing can be said about that record), then a record that is simply absent.
 */
export function verificationProblemOf(records: readonly RecordVerdict[]): VerificationProblem | null {
  const problems = new Set<VerificationProblem>();
  for (const r of records) {
    const p = problemOfVerdict(r.verdict);
    if (p !== null) problems.add(p);
  }
  for (const p of ['invalid_value', 'type_not_found', 'dns_server_error', 'host_not_found'] as const) {
    if (problems.has(p)) return p;
  }
  return null;
}

function problemOfVerdict(verdict: DkimRecordVerdict | 'found' | 'not_found'): VerificationProblem | null {
  switch (verdict) {
    case 'ok':
    case 'found':
      return null;
    case 'missing':
    case 'not_found':
      return 'host_not_found';
    case 'txt_instead_of_cname':
      return 'type_not_found';
    case 'points_elsewhere':
    case 'domain_appended_twice':
      return 'invalid_value';
    case 'resolver_error':
      return 'dns_server_error';
  }
}

/** Whether mail may go out from this identity: its own status, or (an address) its domain's. */
export function verifiedForSending(identity: Identity, domain: Identity | undefined): boolean {
  return identity.verificationStatus === 'Success' || (identity.kind === 'EmailAddress' && domain?.verificationStatus === 'Success');
}

/**
 * One identity as SES v2 describes it, read from the same rows the v1 operations read, so that both
 * APIs tell the same story: the DKIM attributes are exactly what GetIdentityDkimAttributes reports.
 * Null when the identity does not exist.
 */
export async function readEmailIdentity(ctx: EmailIdentityContext, scope: Scope, input: string): Promise<EmailIdentityView | null> {
  const id = parseIdentityName(input, ctx.toAscii);
  const domainName = domainOf(id);
  // Three reads, as many as v1 GetIdentityDkimAttributes makes; the domain's keys carry its tokens.
  const [identities, keys, description, external] = await Promise.all([
    ctx.store.getIdentities(scope, id.name === domainName ? [id.name] : [id.name, domainName]),
    ctx.identities.domainKeys(scope, domainName),
    ctx.identities.describe(scope, id.name),
    chosenExternalKey(ctx.externalDkim, scope, domainName),
  ]);
  const identity = identities.get(id.name);
  if (identity === undefined) return null;
  const domain = identities.get(domainName);
  const domainTokens = keys?.tokens ?? [];
  const dkim = withExternalKey(
    dkimAttributesOf(identity, identity.kind === 'Domain' ? domainTokens : [], domain ? { identity: domain, tokens: domainTokens } : null),
    external,
  );
  const byod = external !== null && dkim.tokens !== null;
  const verified = identity.verificationStatus === 'Success';
  // Why a domain is not verified yet, from the per-record verdicts of the last check.
  const problem = identity.kind === 'Domain' && !verified ? verificationProblemOf(description.records) : null;
  const shownKeys = dkim.tokens === null || byod ? null : keys;
  return {
    name: identity.name,
    kind: identity.kind,
    verificationStatus: identity.verificationStatus,
    verifiedForSending: verifiedForSending(identity, domain),
    dkim: {
      signingEnabled: dkim.dkimEnabled,
      status: dkim.status,
      tokens: dkim.tokens,
      origin: byod ? 'EXTERNAL' : 'AWS_SES',
      currentKeyBits: byod ? external.bits : (shownKeys?.currentBits ?? null),
      // The ring's NextSigningKeyLength; without keys, the size the server makes.
      nextKeyBits: shownKeys?.nextBits ?? ctx.keys.bits,
      lastKeyGenerationAt: shownKeys?.lastGeneratedAt ?? null,
    },
    verification:
      identity.kind !== 'Domain'
        ? null
        : {
            lastCheckedAt: description.lastCheckedAt,
            lastSuccessAt: verified ? (description.lastFoundAt ?? description.lastCheckedAt) : description.lastFoundAt,
            problem,
          },
    details: description.details,
    mailFrom: description.mailFrom,
  };
}
