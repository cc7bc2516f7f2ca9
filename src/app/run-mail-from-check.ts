import {
  expectedMailFromMx,
  judgeMailFromMx,
  judgeMailFromSpf,
  mailFromOutcome,
  nextMailFromDetection,
  type DetectionPolicy,
  type DnsLookup,
  type MailFromExpectation,
  type Scope,
} from '../core/index.ts';
import type { Resolver } from './detection-ports.ts';
import type { MailFromCompletion, MailFromStore, MailFromTarget } from './mail-from-ports.ts';
import type { Clock } from './ports.ts';

/** What MAIL FROM detection is given: the same resolver, clock, policy and lease as DKIM's. */
export interface MailFromDetectionDeps {
  readonly store: MailFromStore;
  readonly resolver: Resolver;
  readonly clock: Clock;
  readonly policy: DetectionPolicy;
  readonly leaseMs: number;
  /** The feedback host the MX must name and the domain the SPF record must include. */
  readonly expect: MailFromExpectation;
}

function describe(lookup: DnsLookup): string {
  if (lookup.ok) return lookup.values.join(', ');
  return lookup.detail ? `${lookup.error} (${lookup.detail})` : lookup.error;
}

/**
 * One check of one claimed MAIL FROM domain: its MX and TXT records, then the lifecycle. Returns what
 * to write back; it writes nothing itself, so that a batch is written at once.
 */
export async function runMailFromCheck(deps: MailFromDetectionDeps, target: MailFromTarget): Promise<MailFromCompletion> {
  const [mx, txt] = await Promise.all([deps.resolver.mx(target.mailFromDomain), deps.resolver.txt(target.mailFromDomain)]);
  // The clock is read after the lookups: the status is about what was true at that moment.
  const now = deps.clock.now();
  const mxVerdict = judgeMailFromMx(mx, expectedMailFromMx(deps.expect, target.scope.region));
  const spfVerdict = judgeMailFromSpf(txt, deps.expect.spfInclude);
  const step = nextMailFromDetection(target.state, mailFromOutcome(mxVerdict), now, deps.policy);
  const { nextCheckAt, ...state } = step;
  return {
    identityId: target.identityId,
    mailFromDomain: target.mailFromDomain,
    startedAt: target.state.startedAt,
    checkedAt: now,
    state,
    nextCheckAt,
    mx: { verdict: mxVerdict, observed: describe(mx) },
    spf: { verdict: spfVerdict, observed: describe(txt) },
  };
}

/** Claims the MAIL FROM checks that are due, runs them concurrently, writes the results in one go. */
export async function runDueMailFromChecks(deps: MailFromDetectionDeps, limit: number): Promise<number> {
  const targets = await deps.store.claimDue(deps.clock.now(), limit, deps.leaseMs);
  if (targets.length === 0) return 0;
  const completions = await Promise.all(targets.map((t) => runMailFromCheck(deps, t)));
  await deps.store.complete(completions);
  return completions.length;
}

export type MailFromCheckNowResult =
  | { readonly kind: 'checked'; readonly completion: MailFromCompletion }
  /** The identity has no custom MAIL FROM domain. */
  | { readonly kind: 'not_found' }
  | { readonly kind: 'busy' };

/** Checks one identity's MAIL FROM domain now, whatever its schedule (dev controls, operators). */
export async function checkMailFromNow(deps: MailFromDetectionDeps, scope: Scope, identity: string): Promise<MailFromCheckNowResult> {
  const target = await deps.store.claimIdentity(scope, identity, deps.clock.now(), deps.leaseMs);
  if (target === null) return { kind: 'not_found' };
  if (target === 'claimed') return { kind: 'busy' };
  const completion = await runMailFromCheck(deps, target);
  await deps.store.complete([completion]);
  return { kind: 'checked', completion };
}
