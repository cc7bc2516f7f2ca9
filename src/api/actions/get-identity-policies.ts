import { getIdentityPolicies } from '../../app/identity-policies.ts';
import { el } from '../xml.ts';
import type { SesAction } from './action.ts';

export const getIdentityPoliciesAction: SesAction = {
  name: 'GetIdentityPolicies',
  throttled: true,
  async run(ctx, scope, params) {
    const policies = await getIdentityPolicies(ctx, scope, {
      identity: params.requiredString('Identity'),
      policyNames: params.requiredStringList('PolicyNames'),
      api: 'v1',
    });
    // A map of strings: `<entry><key>name</key><value>document</value></entry>`.
    return [
      el(
        'Policies',
        [...policies].map(([key, value]) => el('entry', [el('key', key), el('value', value)])),
      ),
    ];
  },
};
