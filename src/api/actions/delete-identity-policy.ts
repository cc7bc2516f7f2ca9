import { deleteIdentityPolicy } from '../../app/identity-policies.ts';
import type { SesAction } from './action.ts';

export const deleteIdentityPolicyAction: SesAction<{ Identity: string; PolicyName: string }, object> = {
  name: 'DeleteIdentityPolicy',
  throttled: true,
  async run(ctx, scope, input) {
    await deleteIdentityPolicy(ctx, scope, { identity: input.Identity, policyName: input.PolicyName, api: 'v1' });
    return {};
  },
};
