import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signingMethod } from './signing-decision.ts';

describe('which DKIM method signs (Easy DKIM <-> BYODKIM without an unsigned gap)', () => {
  test('Easy DKIM alone: signs once Success, not before', () => {
    assert.equal(signingMethod({ chosen: 'AWS_SES', easy: 'Success', external: null }), 'AWS_SES');
    assert.equal(signingMethod({ chosen: 'AWS_SES', easy: 'Pending', external: null }), null);
  });

  test('BYODKIM alone (none -> BYODKIM): signs once Success, not before', () => {
    assert.equal(signingMethod({ chosen: 'EXTERNAL', easy: null, external: 'Pending' }), null);
    assert.equal(signingMethod({ chosen: 'EXTERNAL', easy: null, external: 'Success' }), 'EXTERNAL');
  });

  test('Easy -> BYODKIM: Easy DKIM keeps signing while the external key is Pending, Failed or TemporaryFailure', () => {
    for (const external of ['Pending', 'Failed', 'TemporaryFailure', 'NotStarted'] as const) {
      assert.equal(signingMethod({ chosen: 'EXTERNAL', easy: 'Success', external }), 'AWS_SES', external);
    }
    assert.equal(signingMethod({ chosen: 'EXTERNAL', easy: 'Success', external: 'Success' }), 'EXTERNAL');
  });

  test('BYODKIM -> Easy: the external key keeps signing while the tokens re-verify', () => {
    assert.equal(signingMethod({ chosen: 'AWS_SES', easy: 'Pending', external: 'Success' }), 'EXTERNAL');
    assert.equal(signingMethod({ chosen: 'AWS_SES', easy: 'Success', external: 'Success' }), 'AWS_SES');
  });

  test('neither verified: nothing signs', () => {
    assert.equal(signingMethod({ chosen: 'EXTERNAL', easy: 'Failed', external: 'Pending' }), null);
    assert.equal(signingMethod({ chosen: 'AWS_SES', easy: 'Pending', external: 'Failed' }), null);
  });
});
