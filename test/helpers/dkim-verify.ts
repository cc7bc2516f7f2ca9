import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { chasingResolver } from './dns-peers.ts';
import { REPO_ROOT } from './signet-server.ts';

/** The python3 that has dkimpy and dnspython, or null. */
export function findDkimpy(): string | null {
  for (const bin of ['python3', '/usr/bin/python3']) {
    if (spawnSync(bin, ['-c', 'import dkim, dns.resolver']).status === 0) return bin;
  }
  return null;
}

/**
 * Checks a stored message with both independent verifiers, resolving like a recursive resolver
 * through the customer's zone (NSD) and its CNAMEs into Signet's key zone: mailauth must find a
 * passing signature by `domain` with one of its tokens as selector, and dkimpy must pass the topmost
 * signature (the one Signet added) for `domain`.
 */
export async function verifyWithMailauthAndDkimpy(opts: {
  raw: Buffer;
  domain: string;
  tokens: readonly string[];
  nsdPort: number;
  signetDnsPort: number;
  zone: string;
  dkimpy: string;
  label: string;
}): Promise<void> {
  const { raw, domain, label } = opts;
  const result = await dkimVerify(raw, { resolver: chasingResolver(opts.nsdPort, opts.signetDnsPort, opts.zone) });
  const ours = (result.results as { status: { result: string }; signingDomain: string; selector: string }[]).find((r) => r.signingDomain === domain);
  assert.ok(ours, `${label}: a signature by ${domain}`);
  assert.equal(ours.status.result, 'pass', `${label}: mailauth ${JSON.stringify(ours.status)}`);
  assert.ok(opts.tokens.includes(ours.selector), `${label}: s= is one of ${domain}'s tokens`);
  const py = spawnSync(opts.dkimpy, [join(REPO_ROOT, 'test/helpers/dkimpy-verify-all.py'), String(opts.nsdPort), String(opts.signetDnsPort), opts.zone], {
    input: raw,
    encoding: 'utf8',
  });
  assert.equal(py.status, 0, py.stderr);
  const verdict = (JSON.parse(py.stdout) as Array<{ pass: boolean; domain: string; log?: string }>)[0]!;
  assert.deepEqual({ pass: verdict.pass, domain: verdict.domain }, { pass: true, domain }, `${label}: dkimpy ${verdict.log}`);
}
