import {
  detectionOutcome,
  domainVerificationName,
  externalVerdictAdvice,
  nextDkimDetection,
  nextVerificationStatus,
  statusChangeReason,
  type DetectionOutcome,
  type DetectionPolicy,
  type MailFromExpectation,
  type Scope,
} from '../core/index.ts';
import type { CheckCompletion, DetectionObserver, DetectionStore, DetectionTarget, RecordCheckResult, Resolver } from './detection-ports.ts';
import type { MailFromStore } from './mail-from-ports.ts';
import type { ExternalDkimStore } from './external-dkim-ports.ts';
import { checkExternalKey, runDueExternalChecks, type ExternalKeyCheck } from './external-dkim.ts';
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
  /** Told of every check written and every status change (logs and metrics, at the edge). */
  readonly observer?: DetectionObserver;
  /** BYODKIM keys: their selector's TXT is checked by the same worker and resolver (issue 16 item 4). */
  readonly externalDkim?: ExternalDkimStore;
}

/** A check's result with what the observer needs beside it. */
interface ObservedCheck {
  readonly target: DetectionTarget;
  readonly completion: CheckCompletion;
  readonly outcome: DetectionOutcome | null;
  readonly seconds: number;
}

/** After the results are written (a change is reported only once it is true in the store). */
function report(observer: DetectionObserver | undefined, checks: readonly ObservedCheck[]): void {
  if (!observer) return;
  for (const { target, completion, outcome, seconds } of checks) {
    observer.checked(outcome, seconds);
    const records = completion.records.map((r) => ({ name: r.name, type: r.type, verdict: r.verdict }));
    const base = { scope: target.scope, domain: target.domain, records };
    if (completion.dkim !== null && completion.dkim.status !== target.dkim.status) {
      const to = completion.dkim.status;
      observer.statusChanged({ ...base, kind: 'dkim', from: target.dkim.status, to, reason: statusChangeReason(outcome, to) });
    }
    if (completion.verificationStatus !== target.verificationStatus) {
      const to = completion.verificationStatus;
      const txt = completion.records.find((r) => r.type === 'TXT');
      const verdict: DetectionOutcome | null = txt
        ? txt.verdict === 'found'
          ? 'found'
          : txt.verdict === 'resolver_error'
            ? 'inconclusive'
            : 'not_found'
        : outcome;
      observer.statusChanged({ ...base, kind: 'verification', from: target.verificationStatus, to, reason: statusChangeReason(verdict, to) });
    }
  }
}

/** A BYODKIM key's status change, once written, as a detection status change (log line, metric). */
function reportExternal(observer: DetectionObserver | undefined, checks: readonly ExternalKeyCheck[]): void {
  if (!observer) return;
  for (const c of checks) {
    if (!c.recorded || c.from === c.status) continue;
    observer.statusChanged({
      scope: c.scope,
      domain: c.domain,
      kind: 'external',
      from: c.from,
      to: c.status,
      reason: externalVerdictAdvice(c.verdict, c.name),
      records: [{ name: c.name, type: 'TXT', verdict: c.verdict }],
    });
  }
}

async function observedCheck(deps: DetectionDeps, target: DetectionTarget): Promise<ObservedCheck> {
  // Real time, not the service clock (which dev mode moves): this is how long the lookups took.
  const started = performance.now();
  const completion = await runDetectionCheck(deps, target);
  const seconds = (performance.now() - started) / 1000;
  const outcome = completion.records.some((r) => r.type === 'CNAME')
    ? detectionOutcome(completion.records.filter((r) => r.type === 'CNAME').map((r) => r.verdict as never))
    : null;
  return { target, completion, outcome, seconds };
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
    const checks = await Promise.all(targets.map((t) => observedCheck(deps, t)));
    await deps.store.completeChecks(checks.map((c) => c.completion));
    report(deps.observer, checks);
  }
  const mailFrom = mailFromDetectionDeps(deps);
  const external = deps.externalDkim ? await runDueExternalChecks(deps.resolver, deps.externalDkim, deps.clock, limit, deps.policy.windowMs) : [];
  reportExternal(deps.observer, external);
  return targets.length + external.length + (mailFrom === null ? 0 : await runDueMailFromChecks(mailFrom, limit));
}

export type CheckNowResult =
  | { readonly kind: 'checked'; readonly completion: CheckCompletion; readonly external: ExternalKeyCheck | null }
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
  const check = await observedCheck(deps, target);
  const completion = check.completion;
  await deps.store.completeChecks([completion]);
  report(deps.observer, [check]);
  const mailFrom = mailFromDetectionDeps(deps);
  // A MAIL FROM domain a worker holds right now is left to it: its result is on the way.
  if (mailFrom !== null) await checkMailFromNow(mailFrom, scope, domain);
  // The domain's own key, if it brought one: checked now whatever its status (a record removed since shows).
  const key = deps.externalDkim ? await deps.externalDkim.externalKeyOf(scope, domain) : null;
  const external = key === null ? null : await checkExternalKey(deps.resolver, deps.externalDkim!, key, deps.clock.now(), deps.policy.windowMs);
  if (external !== null) reportExternal(deps.observer, [external]);
  return { kind: 'checked', completion, external };
}
