import { getIdentityVerificationAttributes } from '../../app/get-identity-verification-attributes.ts';
import type { SesAction } from './action.ts';

interface IdentityVerificationAttributes {
  readonly VerificationStatus: string;
  readonly VerificationToken?: string;
}

export const getIdentityVerificationAttributesAction: SesAction<
  { Identities: string[] },
  { VerificationAttributes: Map<string, IdentityVerificationAttributes> }
> = {
  name: 'GetIdentityVerificationAttributes',
  throttled: true,
  async run(ctx, scope, input) {
    const attributes = await getIdentityVerificationAttributes(ctx, scope, input.Identities);
    const map = new Map<string, IdentityVerificationAttributes>();
    for (const [identity, a] of attributes) {
      map.set(identity, { VerificationStatus: a.status, ...(a.token !== null && { VerificationToken: a.token }) });
    }
    return { VerificationAttributes: map };
  },
};
