import { verifyEmailIdentity } from '../../app/verify-email-identity.ts';
import type { SesAction } from './action.ts';

export const verifyEmailIdentityAction: SesAction = {
  name: 'VerifyEmailIdentity',
  async run(ctx, scope, params) {
    await verifyEmailIdentity(ctx, scope, params.requiredString('EmailAddress'));
    return [];
  },
};

/** The deprecated twin: same effect, but no output shape, so no `<VerifyEmailAddressResult>`. */
export const verifyEmailAddressAction: SesAction = {
  name: 'VerifyEmailAddress',
  async run(ctx, scope, params) {
    await verifyEmailIdentity(ctx, scope, params.requiredString('EmailAddress'));
    return null;
  },
};
