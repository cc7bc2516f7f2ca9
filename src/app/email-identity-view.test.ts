import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verificationProblemOf } from './email-identity-view.ts';

test("VerificationInfo's ErrorType comes from the detection worker's per-record verdicts", () => {
  const cname = (verdict: Parameters<typeof verificationProblemOf>[0][number]['verdict']) => ({ type: 'CNAME' as const, verdict });
  assert.equal(verificationProblemOf([]), null);
  assert.equal(verificationProblemOf([cname('ok'), cname('ok'), cname('ok')]), null);
  assert.equal(verificationProblemOf([cname('ok'), cname('missing'), cname('ok')]), 'host_not_found');
  assert.equal(verificationProblemOf([{ type: 'TXT', verdict: 'not_found' }]), 'host_not_found');
  assert.equal(verificationProblemOf([cname('txt_instead_of_cname'), cname('missing')]), 'type_not_found');
  assert.equal(verificationProblemOf([cname('missing'), cname('points_elsewhere')]), 'invalid_value');
  assert.equal(verificationProblemOf([cname('domain_appended_twice')]), 'invalid_value');
  assert.equal(verificationProblemOf([cname('missing'), cname('resolver_error')]), 'dns_server_error');
});
