import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInterval, DEFAULT_DETECTION_POLICY as P, nextDkimDetection, nextVerificationStatus, type DkimDetectionState } from './dkim-lifecycle.ts';

const H = 3_600_000;
const start = 1_000_000_000_000;
const pending: DkimDetectionState = { status: 'Pending', startedAt: start, lastFoundAt: null, graceStartedAt: null };

describe('DKIM status lifecycle', () => {
  it('turns Success when every record is found, and re-checks later', () => {
    const step = nextDkimDetection(pending, 'found', start + H, P);
    assert.equal(step.status, 'Success');
    assert.equal(step.lastFoundAt, start + H);
    assert.equal(step.nextCheckAt, start + H + P.recheckIntervalMs);
  });

  it('stays Pending while a record is missing, and fails when the window is over', () => {
    assert.equal(nextDkimDetection(pending, 'not_found', start + 71 * H, P).status, 'Pending');
    const failed = nextDkimDetection(pending, 'not_found', start + 72 * H, P);
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.nextCheckAt, null);
  });

  it('reports TemporaryFailure when the resolver gives no verdict, Failed once the window is over', () => {
    assert.equal(nextDkimDetection(pending, 'inconclusive', start + 10, P).status, 'TemporaryFailure');
    assert.equal(nextDkimDetection(pending, 'inconclusive', start + 73 * H, P).status, 'Failed');
  });

  it('gives records that vanish after a success the grace period as TemporaryFailure, then Failed', () => {
    const success = nextDkimDetection(pending, 'found', start + H, P);
    const missed = nextDkimDetection(success, 'not_found', start + 2 * H, P);
    assert.equal(missed.status, 'TemporaryFailure');
    assert.equal(missed.graceStartedAt, start + 2 * H);
    const still = nextDkimDetection(missed, 'not_found', start + 2 * H + 71 * H, P);
    assert.equal(still.status, 'TemporaryFailure');
    assert.equal(still.graceStartedAt, start + 2 * H, 'the grace period is not restarted by each miss');
    assert.equal(nextDkimDetection(still, 'not_found', start + 2 * H + 72 * H, P).status, 'Failed');
    const back = nextDkimDetection(missed, 'found', start + 3 * H, P);
    assert.deepEqual([back.status, back.graceStartedAt], ['Success', null]);
  });

  it('never schedules a check past the deadline, and backs off from every minute to every 15 minutes', () => {
    assert.equal(checkInterval(0, P), 60_000);
    assert.equal(checkInterval(59 * 60_000, P), 60_000);
    assert.equal(checkInterval(H, P), 120_000);
    assert.equal(checkInterval(2 * H, P), 240_000);
    assert.equal(checkInterval(3 * H, P), 480_000);
    assert.equal(checkInterval(4 * H, P), 900_000);
    assert.equal(checkInterval(70 * H, P), 900_000);
    const late = nextDkimDetection(pending, 'not_found', start + 72 * H - 1000, P);
    assert.equal(late.nextCheckAt, start + 72 * H);
  });

  it('verifies the domain when the DKIM records or the _amazonses TXT are found', () => {
    assert.equal(nextVerificationStatus('Pending', { dkim: 'found', txt: null }, start, start + 1, P).status, 'Success');
    assert.equal(nextVerificationStatus('Pending', { dkim: 'not_found', txt: 'found' }, start, start + 1, P).status, 'Success');
    assert.equal(nextVerificationStatus('Pending', { dkim: 'not_found', txt: 'not_found' }, start, start + 1, P).status, 'Pending');
    assert.equal(nextVerificationStatus('Pending', { dkim: 'not_found', txt: 'inconclusive' }, start, start + 1, P).status, 'TemporaryFailure');
    assert.equal(nextVerificationStatus('Pending', { dkim: null, txt: 'not_found' }, start, start + 72 * H, P).status, 'Failed');
    assert.equal(nextVerificationStatus('Success', { dkim: 'not_found', txt: 'not_found' }, start, start + 99 * H, P).status, 'Success');
  });
});
