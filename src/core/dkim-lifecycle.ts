import type { DetectionOutcome } from './dkim-diagnosis.ts';
import type { VerificationStatus } from './status.ts';

/**
 * How long detection waits and how often it looks. SES finds the CNAMEs "within 72 hours", keeps
 * checking after success, and gives vanished records 72 hours before it reports `Failed`.
 */
export interface DetectionPolicy {
  /** From the start of detection to `Failed` when the records never appear. */
  readonly windowMs: number;
  /** After a success, how long vanished records stay `TemporaryFailure` before `Failed`. */
  readonly graceMs: number;
  /** Interval of checks in the first phase (every minute in the first hour). */
  readonly firstIntervalMs: number;
  /** Length of the first phase; each later phase of the same length doubles the interval. */
  readonly firstPhaseMs: number;
  /** The interval never grows beyond this (15 minutes). */
  readonly maxIntervalMs: number;
  /** Re-checks of a domain whose records were found. */
  readonly recheckIntervalMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_DETECTION_POLICY: DetectionPolicy = {
  windowMs: 72 * HOUR,
  graceMs: 72 * HOUR,
  firstIntervalMs: MINUTE,
  firstPhaseMs: HOUR,
  maxIntervalMs: 15 * MINUTE,
  recheckIntervalMs: HOUR,
};

/** Where a domain's DKIM detection stands between checks. Times are milliseconds since the epoch. */
export interface DkimDetectionState {
  readonly status: VerificationStatus;
  /** When detection began (the tokens were created, or detection was restarted). */
  readonly startedAt: number;
  /** The last check that found every record; null until the first success. */
  readonly lastFoundAt: number | null;
  /** When records that had been found were first missed; null while they are there. */
  readonly graceStartedAt: number | null;
}

export interface DkimDetectionStep extends DkimDetectionState {
  /** When to look again; null when detection is over (`Failed`). */
  readonly nextCheckAt: number | null;
}

/**
 * The back-off: `firstIntervalMs` during the first phase, then doubled each further phase, at most
 * `maxIntervalMs` (1 min for the first hour, then 2, 4, 8 and from then on 15 minutes, by default).
 */
export function checkInterval(elapsedMs: number, policy: DetectionPolicy): number {
  if (elapsedMs < policy.firstPhaseMs) return policy.firstIntervalMs;
  const phase = Math.floor((elapsedMs - policy.firstPhaseMs) / policy.firstPhaseMs) + 1;
  return Math.min(policy.maxIntervalMs, policy.firstIntervalMs * 2 ** Math.min(phase, 30));
}

/** The next check of a countdown that began at `since` and ends at `deadline`: never past the deadline. */
function nextWithin(now: number, since: number, deadline: number, policy: DetectionPolicy): number {
  return Math.max(now + 1, Math.min(now + checkInterval(now - since, policy), deadline));
}

/**
 * SES's DKIM status lifecycle as one function: the state before a check, what the check concluded,
 * and the clock give the status after it and when to check next.
 *
 * - Before the first success: `found` is `Success`; past the window, anything else is `Failed`;
 *   a resolver that cannot answer is `TemporaryFailure` (no verdict possible), a definite absence `Pending`.
 * - After a success: records that vanish (or can no longer be resolved) start the grace period as
 *   `TemporaryFailure`; when it runs out the status is `Failed`. Records that come back are `Success` again.
 * - `Failed` is final for the schedule; a check made on demand that finds the records still succeeds.
 */
export function nextDkimDetection(state: DkimDetectionState, outcome: DetectionOutcome, now: number, policy: DetectionPolicy): DkimDetectionStep {
  if (outcome === 'found') {
    return { status: 'Success', startedAt: state.startedAt, lastFoundAt: now, graceStartedAt: null, nextCheckAt: now + policy.recheckIntervalMs };
  }
  if (state.status === 'Failed') return { ...state, nextCheckAt: null };
  if (state.lastFoundAt === null) {
    const deadline = state.startedAt + policy.windowMs;
    if (now >= deadline) return { ...state, status: 'Failed', nextCheckAt: null };
    const status: VerificationStatus = outcome === 'inconclusive' ? 'TemporaryFailure' : 'Pending';
    return { ...state, status, nextCheckAt: nextWithin(now, state.startedAt, deadline, policy) };
  }
  const graceStartedAt = state.graceStartedAt ?? now;
  const deadline = graceStartedAt + policy.graceMs;
  if (now >= deadline) return { ...state, status: 'Failed', graceStartedAt, nextCheckAt: null };
  return { ...state, status: 'TemporaryFailure', graceStartedAt, nextCheckAt: nextWithin(now, graceStartedAt, deadline, policy) };
}

/**
 * The domain's verification status (GetIdentityVerificationAttributes) after a check. SES marks a
 * domain verified when its VerifyDomainIdentity TXT is found at `_amazonses.DOMAIN`, and also when its
 * three DKIM CNAMEs are. Once verified it stays verified here; before that it fails like DKIM does.
 */
export function nextVerificationStatus(
  current: VerificationStatus,
  evidence: { readonly dkim: DetectionOutcome | null; readonly txt: DetectionOutcome | null },
  startedAt: number,
  now: number,
  policy: DetectionPolicy,
): { status: VerificationStatus; nextCheckAt: number | null } {
  if (current === 'Success' || evidence.dkim === 'found' || evidence.txt === 'found') {
    return { status: 'Success', nextCheckAt: null };
  }
  const deadline = startedAt + policy.windowMs;
  if (now >= deadline) return { status: 'Failed', nextCheckAt: null };
  const inconclusive = evidence.txt === 'inconclusive' || (evidence.txt === null && evidence.dkim === 'inconclusive');
  return { status: inconclusive ? 'TemporaryFailure' : 'Pending', nextCheckAt: nextWithin(now, startedAt, deadline, policy) };
}
