import { listVerifiedEmailAddresses } from '../../app/verified-email-addresses.ts';
import type { SesAction } from './action.ts';

/** Deprecated (ListIdentities replaces it) but still served; the AWS CLI v2 no longer offers it, SDKs do. */
export const listVerifiedEmailAddressesAction: SesAction<object, { VerifiedEmailAddresses: string[] }> = {
  name: 'ListVerifiedEmailAddresses',
  throttled: true,
  async run(ctx, scope) {
    return { VerifiedEmailAddresses: await listVerifiedEmailAddresses(ctx, scope) };
  },
};
