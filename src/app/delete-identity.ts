import { parseIdentityName, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

/** DeleteIdentity: removes an address or a domain and its keys. An unknown identity is not an error. */
export async function deleteIdentity(ctx: AppContext, scope: Scope, identityInput: string): Promise<void> {
  const identity = parseIdentityName(identityInput, ctx.toAscii);
  const deleted = await ctx.store.deleteIdentity(scope, identity.name);
  // The keys leave this process's DNS answers before the caller hears that the identity is gone.
  if (deleted) await ctx.zoneChanges?.keyZoneChanged();
}
