import {
  detectionOutcome,
  domainVerificationName,
  nextDkimDetection,
  nextVerificationStatus,
  type DetectionPolicy,
  type MailFromExpectation,
  type Scope,
} from '../core/index.ts';
import type { CheckCompletion, DetectionStore, DetectionTarget, RecordCheckResult, Resolver } from './detection-ports.ts';
import type { MailFromStore } from './mail-from-ports.ts';
import { checkMailFromNow, runDueMailFromChecks, type MailFromDetectionDeps } from './run-mail-from-check.ts';
import { observeDomainRecords } from './observe-domain-records.ts';
import type { Clock } from './ports.ts';

/** What a detection check is given by the composition root. */
export interface DetectionDeps {
  readonly store: DetectionStore;
  readonly resolver: Resolver;
  readonly clock: Clock;
  /** The key zone the CNAMEs must point into, canonical form. */
  readonly zone: string;
  readonly policy: DetectionPolicy;
  /** How long a claim holds; a worker that dies mid-check frees its identities after this. */
  readonly leaseMs: number;
  /**
   * Custom MAIL FROM domains, checked by the same worker with the same resolver, clock, policy and
   * lease; absent where only DKIM is checked.
   */
  readonly mailFrom?: { readonly store: MailFromStore; readonly expect: MailFromExpectation };
}

/** The MAIL FROM side of the detection deps; null when the composition checks no MAIL FROM domains. */
export function mailFromDetectionDeps(deps: DetectionDeps): MailFromDetectionDeps | null {
  if (!deps.mailFrom) return null;
  return { store: deps.mailFrom.store, expect: deps.mailFrom.expect, resolver: deps.resolver, clock: deps.clock, policy: deps.policy, leaseMs: deps.leaseMs };
}

/**
 * One check of one claimed domain: looks its records up, then runs the lifecycle on what was found.
 * Returns what to write back; it writes nothing itself, so the worker can write a batch at once.
 */
export async function runDetectionCheck(deps: DetectionDeps, target: DetectionTarget): Promise<CheckCompletion> {
  const verifyTxt = target.verificationStatus !== 'Success' ? target.verificationToken : null;
  const observation = await observeDomainRecords(deps.resolver, target.domain, target.tokens, deps.zone, {
    diagnose: false,
    verificationToken: verifyTxt,
  });
  // The clock is read after the lookups: the status is about what was true at that moment.
  const now = deps.clock.now();
  const hasDkim = target.tokens.length > 0;
  const dkimOutcome = hasDkim ? detectionOutcome(observation.dkim.map((r) => r.verdict)) : null;
  const dkim = dkimOutcome === null ? null : nextDkimDetection(target.dkim, dkimOutcome, now, deps.policy);
  const verification = nextVerificationStatus(
    target.verificationStatus,
    { dkim: dkimOutcome, txt: observation.verificationTxt?.outcome ?? null },
    target.createdAt,
    now,
    deps.policy,
  );
  const records: RecordCheckResult[] = observation.dkim.map((r) => ({
    name: r.expected.name,
    type: 'CNAME',
    verdict: r.verdict,
    observed: r.observed,
  }));
  if (observation.verificationTxt) {
    const { lookup, outcome } = observation.verificationTxt;
    records.push({
      name: domainVerificationName(target.domain),
      type: 'TXT',
      verdict: outcome === 'inconclusive' ? 'resolver_error' : outcome,
      observed: lookup.ok ? lookup.values.join(', ') : lookup.error,
    });
  }
  const nexts = [dkim?.nextCheckAt ?? null, verification.nextCheckAt].filter((t): t is number => t !== null);
  return {
    identityId: target.identityId,
    checkedAt: now,
    previousDkimStatus: target.dkim.status,
    dkim,
    verificationStatus: verification.status,
    nextCheckAt: nexts.length > 0 ? Math.min(...nexts) : null,
    records,
  };
}

/**
 * Claims the checks that are due, runs them concurrently and writes the results back in one
 * transaction; then the same for custom MAIL FROM domains. Returns how many were checked (0: nothing due).
 */
export async function runDueDetectionChecks(deps: DetectionDeps, limit: number): Promise<number> {
  const targets = await deps.store.claimDueChecks(deps.clock.now(), limit, deps.leaseMs);
  if (targets.length > 0) {
    const completions = await Promise.all(targets.map((t) => runDetectionCheck(deps, t)));
    await deps.store.completeChecks(completions);
  }
  const mailFrom = mailFromDetectionDeps(deps);
  return targets.length + (mailFrom === null ? 0 : await runDueMailFromChecks(mailFrom, limit));
}

export type CheckNowResult =
  | { readonly kind: 'checked'; readonly completion: CheckCompletion }
  | { readonly kind: 'not_found' }
  /** Another worker holds the domain right now; its result is on the way. */
  | { readonly kind: 'busy' };

/**
 * Checks one domain now, whatever its schedule (dev controls, operators): its DKIM and verification
 * records, and its custom MAIL FROM domain's, if it has one (a check now means all of its records).
 */
export async function checkDomainNow(deps: DetectionDeps, scope: Scope, domain: string): Promise<CheckNowResult> {
  const target = await deps.store.claimDomain(scope, domain, deps.clock.now(), deps.leaseMs);
  if (target === null) return { kind: 'not_found' };
  if (target === 'claimed') return { kind: 'busy' };
  const completion = await runDetectionCheck(deps, target);
  await deps.store.completeChecks([completion]);
  const mailFrom = mailFromDetectionDeps(deps);
  // A MAIL FROM domain a worker holds right now is left to it: its result is on the way.
  if (mailFrom !== null) await checkMailFromNow(mailFrom, scope, domain);
  return { kind: 'checked', completion };
}
