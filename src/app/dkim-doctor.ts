import { cnameZoneLine, normalizeDomain, type DkimRecordVerdict, type Scope, type ToAscii, type VerificationStatus } from '../core/index.ts';
import { DomainError } from '../core/index.ts';
import type { Resolver } from './detection-ports.ts';
import { observeDomainRecords } from './observe-domain-records.ts';
import type { Store } from './ports.ts';

export interface DoctorRecord {
  readonly token: string;
  /** Where to publish: `TOKEN._domainkey.DOMAIN`. */
  readonly name: string;
  /** What it must point to: `TOKEN.<zone>`. */
  readonly target: string;
  readonly verdict: DkimRecordVerdict;
  readonly observed: string;
  /** The record as a zone-file line, ready to paste. */
  readonly zoneLine: string;
}

export interface DoctorReport {
  readonly domain: string;
  readonly dkimStatus: VerificationStatus;
  readonly verificationStatus: VerificationStatus;
  readonly records: readonly DoctorRecord[];
  /** True when every record is right. */
  readonly healthy: boolean;
}

export interface DoctorDeps {
  readonly store: Store;
  readonly resolver: Resolver;
  readonly zone: string;
  readonly toAscii: ToAscii;
}

/**
 * `signet dkim doctor DOMAIN`: for each token, the record to publish, what DNS answers and what is
 * wrong with it, with the extra lookups that tell a missing record from a mistyped one.
 */
export async function dkimDoctor(deps: DoctorDeps, scope: Scope, domainInput: string): Promise<DoctorReport> {
  const domain = normalizeDomain(domainInput, deps.toAscii);
  const [identities, tokensByDomain] = await Promise.all([deps.store.getIdentities(scope, [domain]), deps.store.getDkimTokens(scope, [domain])]);
  const identity = identities.get(domain);
  const tokens = tokensByDomain.get(domain);
  if (!identity) throw new DomainError('identity_not_found', `Identity ${domain} does not exist.`);
  if (!tokens || tokens.length === 0) {
    throw new DomainError('dkim_not_set_up', `DKIM is not set up for ${domain}; call VerifyDomainDkim first.`);
  }
  const observation = await observeDomainRecords(deps.resolver, domain, tokens, deps.zone, {
    diagnose: true,
    verificationToken: null,
  });
  const records = observation.dkim.map((r) => ({
    token: r.expected.token,
    name: r.expected.name,
    target: r.expected.target,
    verdict: r.verdict,
    observed: r.observed,
    zoneLine: cnameZoneLine(r.expected),
  }));
  return {
    domain,
    dkimStatus: identity.dkimStatus,
    verificationStatus: identity.verificationStatus,
    records,
    healthy: records.every((r) => r.verdict === 'ok'),
  };
}
