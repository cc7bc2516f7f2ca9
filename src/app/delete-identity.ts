import { parseIdentityName, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

/** DeleteIdentity: removes an address or a domain and its keys. An unknown identity is not an error. */
export async function deleteIdentity(ctx: AppContext, scope: Scope, identityInput: string): Promise<void> {
  const identity = parseIdentityName(identityInput, ctx.toAscii);
  await ctx.store.deleteIdentity(scope, identity.name);
}
