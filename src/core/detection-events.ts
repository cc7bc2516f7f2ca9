import type { DetectionOutcome } from './dkim-diagnosis.ts';

/**
 * Why a DKIM or verification status moved, in an operator's words, from the check's outcome and the
 * status reached. SES documents the lifecycle (Pending for up to 72 hours, then Failed;
 * TemporaryFailure when DNS could not answer; a verified domain whose records vanish is re-checked
 * and fails after its grace) but gives no reason text: these are Signet's.
 */
export function statusChangeReason(outcome: DetectionOutcome | null, to: string): string {
  if (to === 'Success') return 'every record found';
  if (to === 'Failed') return 'records not found within the detection window';
  if (to === 'TemporaryFailure') return 'the resolver could not answer for some records';
  if (to === 'NotStarted') return 'detection stopped';
  if (outcome === 'not_found') return 'a record is missing or wrong';
  if (outcome === 'inconclusive') return 'the resolver could not answer for some records';
  return 'checking again';
}
