import { normalizeEmail, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

const PAGE = 1000;

/**
 * ListVerifiedEmailAddresses, the deprecated twin of ListIdentities: the account's address
 * identities whose verification succeeded (Pending ones are not listed, nor domains), in creation
 * order, all of them (the operation has no paging).
 */
export async function listVerifiedEmailAddresses(ctx: AppContext, scope: Scope): Promise<string[]> {
  const out: string[] = [];
  let after = 0;
  for (;;) {
    const page = await ctx.store.listIdentities(scope, { kind: 'EmailAddress', after, limit: PAGE });
    const identities = await ctx.store.getIdentities(scope, page.names);
    for (const name of page.names) if (identities.get(name)?.verificationStatus === 'Success') out.push(name);
    if (!page.more) return out;
    after = page.last;
  }
}

/**
 * DeleteVerifiedEmailAddress, the deprecated twin of DeleteIdentity for addresses: the same identity
 * VerifyEmailAddress and VerifyEmailIdentity made, whatever its status. An address the account does
 * not have is not an error (as DeleteIdentity); a malformed one is.
 */
export async function deleteVerifiedEmailAddress(ctx: AppContext, scope: Scope, addressInput: string): Promise<void> {
  const address = normalizeEmail(addressInput, ctx.toAscii);
  await ctx.store.deleteIdentity(scope, address.name);
}
