import { deleteIdentityPolicy } from '../../app/identity-policies.ts';
import type { SesAction } from './action.ts';

export const deleteIdentityPolicyAction: SesAction = {
  name: 'DeleteIdentityPolicy',
  throttled: true,
  async run(ctx, scope, params) {
    await deleteIdentityPolicy(ctx, scope, { identity: params.requiredString('Identity'), policyName: params.requiredString('PolicyName'), api: 'v1' });
    return [];
  },
};
