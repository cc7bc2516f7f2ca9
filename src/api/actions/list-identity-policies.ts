import { listIdentityPolicies } from '../../app/identity-policies.ts';
import type { SesAction } from './action.ts';

export const listIdentityPoliciesAction: SesAction<{ Identity: string }, { PolicyNames: string[] }> = {
  name: 'ListIdentityPolicies',
  throttled: true,
  async run(ctx, scope, input) {
    return { PolicyNames: await listIdentityPolicies(ctx, scope, input.Identity) };
  },
};
