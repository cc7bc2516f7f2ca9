import { DomainError, normalizeDomain, type Scope, type ToAscii, type VerificationStatus } from '../core/index.ts';
import type { RecordCheckResult } from './detection-ports.ts';
import type { ExternalKeyCheck } from './external-dkim.ts';
import { checkDomainNow, type DetectionDeps } from './run-detection-check.ts';

/** What `signet dkim check` prints and `POST /_signet/check` answers: the statuses right after the check. */
export interface DkimCheckReport {
  readonly domain: string;
  /** Null when the domain has no DKIM tokens (only its verification TXT record was looked at). */
  readonly dkimStatus: VerificationStatus | null;
  readonly verificationStatus: VerificationStatus;
  /** ISO 8601, on the service clock (the dev clock in `--dev`). */
  readonly checkedAt: string;
  /** When the worker looks next; null when there is nothing left to look for. */
  readonly nextCheckAt: string | null;
  readonly records: readonly RecordCheckResult[];
  /** BYODKIM: the check of the customer's own key at its selector; absent when the domain has none. */
  readonly external?: ExternalKeyCheck;
}

/** A check ran; or the detection worker holds the domain right now (its own check is under way). */
export type DkimCheckOutcome = { readonly kind: 'checked'; readonly report: DkimCheckReport } | { readonly kind: 'busy'; readonly domain: string };

/**
 * Checks one domain of the account now, outside the worker's schedule, with the same lookups and
 * lifecycle as the worker, and writes the result back as the worker would. Another account's domain is
 * not found, as SES answers for an identity the caller does not own.
 */
export async function checkDkimNow(deps: DetectionDeps & { readonly toAscii: ToAscii }, scope: Scope, domainInput: string): Promise<DkimCheckOutcome> {
  const domain = normalizeDomain(domainInput, deps.toAscii);
  const result = await checkDomainNow(deps, scope, domain);
  if (result.kind === 'not_found') throw new DomainError('identity_not_found', `Identity ${domain} does not exist.`);
  if (result.kind === 'busy') return { kind: 'busy', domain };
  const c = result.completion;
  return {
    kind: 'checked',
    report: {
      domain,
      dkimStatus: c.dkim?.status ?? null,
      verificationStatus: c.verificationStatus,
      checkedAt: new Date(c.checkedAt).toISOString(),
      nextCheckAt: c.nextCheckAt === null ? null : new Date(c.nextCheckAt).toISOString(),
      records: c.records,
      ...(result.external ? { external: result.external } : {}),
    },
  };
}
