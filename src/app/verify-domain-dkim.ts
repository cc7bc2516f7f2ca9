import {
  DKIM_TOKEN_RANDOM_BYTES,
  DKIM_TOKENS_PER_DOMAIN,
  VERIFICATION_TOKEN_RANDOM_BYTES,
  dkimTokenFromBytes,
  normalizeDomain,
  verificationTokenFromBytes,
  type Scope,
} from '../core/index.ts';
import { autoPublishDkim } from './auto-verify.ts';
import type { AppContext } from './context.ts';

/**
 * VerifyDomainDkim: the domain's three tokens, created with their key pairs on first call and the same
 * ones on every later call (SES adds the domain to the identity list too, even without
 * VerifyDomainIdentity). Keys come from the pre-generated pool; when it is short the call waits for
 * fresh keys rather than answering tokens with no key behind them.
 */
export async function verifyDomainDkim(ctx: AppContext, scope: Scope, domainInput: string): Promise<string[]> {
  const domain = normalizeDomain(domainInput, ctx.toAscii);
  const existing = await ctx.store.getDkimTokens(scope, [domain]);
  const known = existing.get(domain);
  if (known) return known;
  // One account may not empty the pool every account draws from: beyond its share it waits for keys.
  await ctx.keys.claimShare(scope.accountId, DKIM_TOKENS_PER_DOMAIN);
  for (;;) {
    const tokens = Array.from({ length: DKIM_TOKENS_PER_DOMAIN }, () => dkimTokenFromBytes(ctx.random.bytes(DKIM_TOKEN_RANDOM_BYTES)));
    const result = await ctx.store.createDomainDkim(scope, {
      domain,
      tokens,
      verificationToken: verificationTokenFromBytes(ctx.random.bytes(VERIFICATION_TOKEN_RANDOM_BYTES)),
      keyBits: ctx.keys.bits,
      now: ctx.clock.now(),
    });
    // New keys are answered by this process's DNS before the caller is told their tokens.
    if (result.kind === 'created') {
      await ctx.zoneChanges?.keyZoneChanged();
      // `--auto-verify all`: the CNAMEs exist before the caller hears the tokens, so the first check finds them.
      await autoPublishDkim(ctx.autoVerify, domain, result.tokens);
    }
    if (result.kind !== 'pool_short') return [...result.tokens];
    await ctx.keys.waitForKeys(DKIM_TOKENS_PER_DOMAIN);
  }
}
