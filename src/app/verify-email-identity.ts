import { normalizeEmail, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

/**
 * VerifyEmailIdentity and the deprecated VerifyEmailAddress: add the address to the identity list; it
 * stays Pending until the owner follows the verification link (sendVerificationEmail). With dev mode's
 * `--auto-verify emails` (its default) it is Success at once, and no mail is sent.
 */
export async function verifyEmailIdentity(ctx: AppContext, scope: Scope, addressInput: string): Promise<void> {
  const address = normalizeEmail(addressInput, ctx.toAscii);
  if (ctx.autoVerify?.emails) await ctx.store.ensureVerifiedEmailIdentity(scope, address.name, ctx.clock.now());
  else await ctx.store.ensureEmailIdentity(scope, address.name, ctx.clock.now());
}
