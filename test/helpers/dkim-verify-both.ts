import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { chasingResolver } from './dns-peers.ts';
import { REPO_ROOT } from './signet-server.ts';

/** Where the two verifiers look up keys: the customer's DNS (NSD) and Signet's key zone. */
export interface VerifierDns {
  readonly resolver: ReturnType<typeof chasingResolver>;
  readonly dkimpy: string;
  readonly nsdPort: number;
  readonly signetPort: number;
  readonly zone: string;
}

/**
 * Asserts that the message carries a signature by `domain` with one of its tokens as selector, and
 * that mailauth and dkimpy (the topmost signature: the one Signet added) both verify it as pass
 * through the customer's CNAME.
 */
export async function verifyWithBoth(dns: VerifierDns, raw: Buffer, domain: string, tokens: readonly string[], label: string): Promise<void> {
  const result = await dkimVerify(raw, { resolver: dns.resolver });
  const ours = (result.results as { status: { result: string; comment?: string }; signingDomain: string; selector: string }[]).find(
    (r) => r.signingDomain === domain,
  );
  assert.ok(ours, `${label}: a signature by ${domain}`);
  assert.equal(ours.status.result, 'pass', `${label}: mailauth ${JSON.stringify(ours.status)}`);
  assert.ok(tokens.includes(ours.selector), `${label}: s= is one of ${domain}'s tokens`);
  const py = spawnSync(dns.dkimpy, [join(REPO_ROOT, 'test/helpers/dkimpy-verify-all.py'), String(dns.nsdPort), String(dns.signetPort), dns.zone], {
    input: raw,
    encoding: 'utf8',
  });
  assert.equal(py.status, 0, py.stderr);
  const verdict = (JSON.parse(py.stdout) as Array<{ pass: boolean; domain: string; log?: string }>)[0]!;
  assert.deepEqual({ pass: verdict.pass, domain: verdict.domain }, { pass: true, domain }, `${label}: dkimpy ${verdict.log ?? JSON.stringify(verdict)}`);
}

/** The message as it left Signet, read from the outbox API (`/_aws/ses`, dev mode or --outbox-api). */
export async function outboxRawMessage(url: string, messageId: string): Promise<Buffer> {
  const r = await fetch(`${url}/_aws/ses?id=${encodeURIComponent(messageId)}`);
  const { messages } = (await r.json()) as { messages: { RawData?: string; Signet: { RawData?: string } }[] };
  assert.equal(messages.length, 1, `message ${messageId} in the outbox`);
  return Buffer.from(messages[0]!.RawData ?? messages[0]!.Signet.RawData!, 'utf8');
}
