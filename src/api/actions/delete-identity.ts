import { deleteIdentity } from '../../app/delete-identity.ts';
import type { SesAction } from './action.ts';

export const deleteIdentityAction: SesAction = {
  name: 'DeleteIdentity',
  throttled: true,
  async run(ctx, scope, params) {
    await deleteIdentity(ctx, scope, params.requiredString('Identity'));
    return [];
  },
};
