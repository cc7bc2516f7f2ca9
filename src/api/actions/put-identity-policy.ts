import { putIdentityPolicy } from '../../app/identity-policies.ts';
import type { SesAction } from './action.ts';

/** Adds or replaces a sending authorization policy (the same store as v2's email identity policies). */
export const putIdentityPolicyAction: SesAction = {
  name: 'PutIdentityPolicy',
  throttled: true,
  async run(ctx, scope, params) {
    await putIdentityPolicy(ctx, scope, {
      identity: params.requiredString('Identity'),
      policyName: params.requiredString('PolicyName'),
      policy: params.requiredString('Policy'),
      write: 'upsert',
      api: 'v1',
    });
    return [];
  },
};
