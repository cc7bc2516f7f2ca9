import { domainVerificationName, expectedDkimCnames } from '../core/index.ts';
import type { SandboxStore } from './detection-ports.ts';

/**
 * Dev mode's `--auto-verify`: which parts of SES's verification a test suite skips. Absent from the
 * context outside `--dev`, where every identity is verified as SES verifies it.
 */
export interface AutoVerifyPolicy {
  /** An address from VerifyEmailIdentity / CreateEmailIdentity is Success at once, with no verification mail (LocalStack's way). */
  readonly emails: boolean;
  /**
   * A new domain's records (its three DKIM CNAMEs, its `_amazonses` TXT) are put in the dev sandbox
   * zone, as if the customer had published them: the first detection check finds them. Null: not.
   */
  readonly domains: { readonly sandbox: SandboxStore; readonly zone: string } | null;
}

/** Publishes a new domain's DKIM CNAMEs in the sandbox zone, when the policy says so. */
export async function autoPublishDkim(policy: AutoVerifyPolicy | undefined, domain: string, tokens: readonly string[]): Promise<void> {
  if (!policy?.domains) return;
  const records = expectedDkimCnames(domain, tokens, policy.domains.zone).map((r) => ({ name: r.name, type: 'CNAME' as const, value: r.target }));
  await policy.domains.sandbox.publish(records);
}

/** Publishes a domain's VerifyDomainIdentity TXT in the sandbox zone, when the policy says so. */
export async function autoPublishVerificationTxt(policy: AutoVerifyPolicy | undefined, domain: string, token: string): Promise<void> {
  if (!policy?.domains) return;
  await policy.domains.sandbox.publish([{ name: domainVerificationName(domain), type: 'TXT', value: token }]);
}
