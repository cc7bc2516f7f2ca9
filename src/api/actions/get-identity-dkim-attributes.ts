import { getIdentityDkimAttributes } from '../../app/get-identity-dkim-attributes.ts';
import type { SesAction } from './action.ts';

interface IdentityDkimAttributes {
  readonly DkimEnabled: boolean;
  readonly DkimVerificationStatus: string;
  readonly DkimTokens?: readonly string[];
}

export const getIdentityDkimAttributesAction: SesAction<{ Identities: string[] }, { DkimAttributes: Map<string, IdentityDkimAttributes> }> = {
  name: 'GetIdentityDkimAttributes',
  throttled: true,
  async run(ctx, scope, input) {
    const attributes = await getIdentityDkimAttributes(ctx, scope, input.Identities);
    const map = new Map<string, IdentityDkimAttributes>();
    for (const [identity, a] of attributes) {
      map.set(identity, { DkimEnabled: a.dkimEnabled, DkimVerificationStatus: a.status, ...(a.tokens !== null && { DkimTokens: a.tokens }) });
    }
    return { DkimAttributes: map };
  },
};
