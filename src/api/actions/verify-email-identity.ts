import { sendVerificationEmail } from '../../app/send-verification-email.ts';
import { verifyEmailIdentity } from '../../app/verify-email-identity.ts';
import type { SesAction } from './action.ts';

export const verifyEmailIdentityAction: SesAction = {
  name: 'VerifyEmailIdentity',
  throttled: true,
  async run(ctx, scope, params) {
    const address = params.requiredString('EmailAddress');
    await verifyEmailIdentity(ctx, scope, address);
    // SES sends the address a message with the verification link (through the outbox and relay).
    await sendVerificationEmail(ctx, scope, address);
    return [];
  },
};

/** The deprecated twin: same effect, but no output shape, so no `<VerifyEmailAddressResult>`. */
export const verifyEmailAddressAction: SesAction = {
  name: 'VerifyEmailAddress',
  throttled: true,
  async run(ctx, scope, params) {
    const address = params.requiredString('EmailAddress');
    await verifyEmailIdentity(ctx, scope, address);
    await sendVerificationEmail(ctx, scope, address);
    return null;
  },
};
