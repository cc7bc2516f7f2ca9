import { keyRingReport, type KeyRingReport } from './key-ring.ts';
import type { KeyRingStore } from './key-ring-ports.ts';
import type { Clock } from './ports.ts';
import {
  cnameZoneLine,
  dkimTxtRecordStrings,
  externalSelectorName,
  externalVerdictAdvice,
  judgeExternalKeyRecord,
  normalizeDomain,
  quoteCharacterStrings,
  signingMethod,
  type DkimRecordVerdict,
  type DkimSigningMethod,
  type ExternalKeyVerdict,
  type Identity,
  type Scope,
  type ToAscii,
  type VerificationStatus,
} from '../core/index.ts';
import type { ExternalDkimStore } from './external-dkim-ports.ts';
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
  /** BYODKIM: the customer's own key at its selector, and which method signs now. */
  readonly external?: ExternalDoctorReport;
}

export interface DoctorDeps {
  readonly store: Store;
  readonly resolver: Resolver;
  readonly zone: string;
  readonly toAscii: ToAscii;
  /** The key rings, to show each token's key role and age. */
  readonly rings?: { readonly store: KeyRingStore; readonly clock: Clock };
  /** BYODKIM keys: the doctor looks at the customer's selector too. */
  readonly external?: ExternalDkimStore;
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
  const external = deps.external ? await externalDoctorReport(deps.external, deps.resolver, scope, domain, identity) : null;
  // Under BYODKIM the customer's TXT is what must be right; the Easy DKIM CNAMEs are a fallback.
  const healthy = external?.chosen === 'EXTERNAL' ? external.verdict === 'ok' : records.every((r) => r.verdict === 'ok');
  return {
    domain,
    dkimStatus: identity.dkimStatus,
    verificationStatus: identity.verificationStatus,
    records,
    healthy,
    ...(external !== null ? { external } : {}),
    ...(ring !== null && deps.rings ? { keys: keyRingReport(ring, deps.rings.clock.now()) } : {}),
  };
}

export interface ExternalDoctorReport {
  readonly selector: string;
  /** `SELECTOR._domainkey.DOMAIN`, where the customer's TXT belongs. */
  readonly name: string;
  /** The key's stored detection status (what SES's DkimAttributes report while EXTERNAL is chosen). */
  readonly status: VerificationStatus;
  readonly chosen: DkimSigningMethod;
  /** Which method signs right now (core signingMethod); null: neither is verified. */
  readonly signing: DkimSigningMethod | null;
  readonly verdict: ExternalKeyVerdict;
  readonly observed: string;
  /** Why, in words: what is wrong and what to publish. */
  readonly advice: string;
  readonly zoneLine: string;
}

async function externalDoctorReport(
  store: ExternalDkimStore,
  resolver: Resolver,
  scope: Scope,
  domain: string,
  identity: Identity,
): Promise<ExternalDoctorReport | null> {
  const key = await store.externalKeyOf(scope, domain);
  if (key === null) return null;
  const chosen = await store.chosenMethod(scope, domain);
  const name = externalSelectorName(key.selector, domain);
  const judgement = judgeExternalKeyRecord(await resolver.txt(name), key.publicKey);
  return {
    selector: key.selector,
    name,
    status: key.status,
    chosen,
    signing: identity.dkimEnabled ? signingMethod({ chosen, easy: identity.dkimStatus, external: key.status }) : null,
    verdict: judgement.verdict,
    observed: judgement.observed,
    advice: externalVerdictAdvice(judgement.verdict, name),
    zoneLine: `${name}. 1800 IN TXT ${quoteCharacterStrings(dkimTxtRecordStrings(key.publicKey))}`,
  };
}
