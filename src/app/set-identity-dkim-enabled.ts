import { DomainError, parseIdentityName, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

/**
 * SetIdentityDkimEnabled. SES: "For email addresses (for example, user@example.com), you can only
 * enable DKIM signing if the corresponding domain (in this case, example.com) has been set up to use
 * Easy DKIM." A domain can be switched once verification has started, that is once it is an identity; without
 * tokens the flag has no effect until VerifyDomainDkim runs.
 */
export async function setIdentityDkimEnabled(ctx: AppContext, scope: Scope, identityInput: string, enabled: boolean): Promise<void> {
  const identity = parseIdentityName(identityInput, ctx.toAscii);
  const known = await ctx.store.getIdentities(scope, [identity.name]);
  if (!known.has(identity.name)) {
    throw new DomainError('identity_not_found', `Identity <${identityInput}> does not exist.`);
  }
  if (enabled && identity.kind === 'EmailAddress') {
    const tokens = await ctx.store.getDkimTokens(scope, [identity.domain]);
    if (!tokens.has(identity.domain)) {
      throw new DomainError(
        'dkim_not_set_up',
        `Domain ${identity.domain} is not set up for Easy DKIM; call VerifyDomainDkim for it before enabling DKIM for ${identityInput}.`,
      );
    }
  }
  await ctx.store.setDkimEnabled(scope, identity.name, enabled);
}
