import { deleteVerifiedEmailAddress } from '../../app/verified-email-addresses.ts';
import type { SesAction } from './action.ts';

/** Deprecated (DeleteIdentity replaces it); no output shape, so no `<DeleteVerifiedEmailAddressResult>`. */
export const deleteVerifiedEmailAddressAction: SesAction<{ EmailAddress: string }, void> = {
  name: 'DeleteVerifiedEmailAddress',
  throttled: true,
  async run(ctx, scope, input) {
    await deleteVerifiedEmailAddress(ctx, scope, input.EmailAddress);
  },
};
