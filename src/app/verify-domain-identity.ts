import { VERIFICATION_TOKEN_RANDOM_BYTES, normalizeDomain, verificationTokenFromBytes, type Scope } from '../core/index.ts';
import { autoPublishVerificationTxt } from './auto-verify.ts';
import type { AppContext } from './context.ts';

/**
 * VerifyDomainIdentity: adds the domain (if new) and returns its verification token, the value of the
 * TXT record `_amazonses.DOMAIN`. The token is stable: asking again returns the same one.
 */
export async function verifyDomainIdentity(ctx: AppContext, scope: Scope, domainInput: string): Promise<string> {
  const domain = normalizeDomain(domainInput, ctx.toAscii);
  const token = verificationTokenFromBytes(ctx.random.bytes(VERIFICATION_TOKEN_RANDOM_BYTES));
  const identity = await ctx.store.ensureDomainIdentity(scope, domain, token, ctx.clock.now());
  // Every domain identity gets its token when it is created, whichever call created it.
  const stored = identity.verificationToken ?? token;
  if (identity.verificationStatus !== 'Success') await autoPublishVerificationTxt(ctx.autoVerify, domain, stored);
  return stored;
}
