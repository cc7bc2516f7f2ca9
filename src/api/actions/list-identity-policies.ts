import { listIdentityPolicies } from '../../app/identity-policies.ts';
import { el, members } from '../xml.ts';
import type { SesAction } from './action.ts';

export const listIdentityPoliciesAction: SesAction = {
  name: 'ListIdentityPolicies',
  throttled: true,
  async run(ctx, scope, params) {
    return [el('PolicyNames', members(await listIdentityPolicies(ctx, scope, params.requiredString('Identity'))))];
  },
};
