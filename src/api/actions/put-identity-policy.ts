import { putIdentityPolicy } from '../../app/identity-policies.ts';
import type { SesAction } from './action.ts';

/** Adds or replaces a sending authorization policy (the same store as v2's email identity policies). */
export const putIdentityPolicyAction: SesAction<{ Identity: string; PolicyName: string; Policy: string }, object> = {
  name: 'PutIdentityPolicy',
  throttled: true,
  async run(ctx, scope, input) {
    await putIdentityPolicy(ctx, scope, { identity: input.Identity, policyName: input.PolicyName, policy: input.Policy, write: 'upsert', api: 'v1' });
    return {};
  },
};
