import type { AppContext } from '../../app/context.ts';
import { sendVerificationEmail } from '../../app/send-verification-email.ts';
import { verifyEmailIdentity } from '../../app/verify-email-identity.ts';
import type { Scope } from '../../core/index.ts';
import type { SesAction } from './action.ts';

async function verify(ctx: AppContext, scope: Scope, address: string): Promise<void> {
  await verifyEmailIdentity(ctx, scope, address);
  // SES sends the address a message with the verification link (through the outbox and relay).
  await sendVerificationEmail(ctx, scope, address);
}

export const verifyEmailIdentityAction: SesAction<{ EmailAddress: string }, object> = {
  name: 'VerifyEmailIdentity',
  throttled: true,
  async run(ctx, scope, input) {
    await verify(ctx, scope, input.EmailAddress);
    return {};
  },
};

/** The deprecated twin: same effect, but no output shape, so no `<VerifyEmailAddressResult>`. */
export const verifyEmailAddressAction: SesAction<{ EmailAddress: string }, void> = {
  name: 'VerifyEmailAddress',
  throttled: true,
  async run(ctx, scope, input) {
    await verify(ctx, scope, input.EmailAddress);
  },
};
