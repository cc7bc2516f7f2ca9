import { getIdentityPolicies } from '../../app/identity-policies.ts';
import type { SesAction } from './action.ts';

/** Policies: a map of policy name to document. */
export const getIdentityPoliciesAction: SesAction<{ Identity: string; PolicyNames: string[] }, { Policies: ReadonlyMap<string, string> }> = {
  name: 'GetIdentityPolicies',
  throttled: true,
  async run(ctx, scope, input) {
    return { Policies: await getIdentityPolicies(ctx, scope, { identity: input.Identity, policyNames: input.PolicyNames, api: 'v1' }) };
  },
};
