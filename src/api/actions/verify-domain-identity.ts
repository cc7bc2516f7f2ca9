import { verifyDomainIdentity } from '../../app/verify-domain-identity.ts';
import type { SesAction } from './action.ts';

export const verifyDomainIdentityAction: SesAction<{ Domain: string }, { VerificationToken: string }> = {
  name: 'VerifyDomainIdentity',
  throttled: true,
  async run(ctx, scope, input) {
    return { VerificationToken: await verifyDomainIdentity(ctx, scope, input.Domain) };
  },
};
