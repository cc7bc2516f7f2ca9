import { verifyDomainIdentity } from '../../app/verify-domain-identity.ts';
import { el } from '../xml.ts';
import type { SesAction } from './action.ts';

export const verifyDomainIdentityAction: SesAction = {
  name: 'VerifyDomainIdentity',
  throttled: true,
  async run(ctx, scope, params) {
    const token = await verifyDomainIdentity(ctx, scope, params.requiredString('Domain'));
    return [el('VerificationToken', token)];
  },
};
