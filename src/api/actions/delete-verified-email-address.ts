import { deleteVerifiedEmailAddress } from '../../app/verified-email-addresses.ts';
import type { SesAction } from './action.ts';

/** Deprecated (DeleteIdentity replaces it); no output shape, so no `<DeleteVerifiedEmailAddressResult>`. */
export const deleteVerifiedEmailAddressAction: SesAction = {
  name: 'DeleteVerifiedEmailAddress',
  throttled: true,
  async run(ctx, scope, params) {
    await deleteVerifiedEmailAddress(ctx, scope, params.requiredString('EmailAddress'));
    return null;
  },
};
