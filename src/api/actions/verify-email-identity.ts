import { verifyEmailIdentity } from '../../app/verify-email-identity.ts';
import type { SesAction } from './action.ts';

export const verifyEmailIdentityAction: SesAction = {
  name: 'VerifyEmailIdentity',
  throttled: true,
  async run(ctx, scope, params) {
    await verifyEmailIdentity(ctx, scope, params.requiredString('EmailAddress'));
    return [];
  },
};

/** The deprecated twin: same effect, but no output shape, so no `<VerifyEmailAddressResult>`. */
export const verifyEmailAddressAction: SesAction = {
  name: 'VerifyEmailAddress',
  throttled: true,
  async run(ctx, scope, params) {
    await verifyEmailIdentity(ctx, scope, params.requiredString('EmailAddress'));
    return null;
  },
};
