import { keyRingReport, type KeyRingReport } from './key-ring.ts';
import type { KeyRingStore } from './key-ring-ports.ts';
import type { Clock } from './ports.ts';
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
  /** Each token's key role, length and age (issue 16); absent where the composition has no key rings. */
  readonly keys?: KeyRingReport;
}

export interface DoctorDeps {
  readonly store: Store;
  readonly resolver: Resolver;
  readonly zone: string;
  readonly toAscii: ToAscii;
  /** The key rings, to show each token's key role and age. */
  readonly rings?: { readonly store: KeyRingStore; readonly clock: Clock };
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
  const ring = deps.rings ? await deps.rings.store.ringOf(scope, domain) : null;
  return {
    domain,
    dkimStatus: identity.dkimStatus,
    verificationStatus: identity.verificationStatus,
    records,
    healthy: records.every((r) => r.verdict === 'ok'),
    ...(ring !== null && deps.rings ? { keys: keyRingReport(ring, deps.rings.clock.now()) } : {}),
  };
}
