import { normalizeEmail, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

/**
 * VerifyEmailIdentity and the deprecated VerifyEmailAddress: add the address to the identity list; it
 * stays Pending until the owner follows the verification link (sending that mail is its own issue).
 */
export async function verifyEmailIdentity(ctx: AppContext, scope: Scope, addressInput: string): Promise<void> {
  const address = normalizeEmail(addressInput, ctx.toAscii);
  await ctx.store.ensureEmailIdentity(scope, address.name, ctx.clock.now());
}
