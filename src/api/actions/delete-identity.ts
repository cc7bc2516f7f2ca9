import { deleteIdentity } from '../../app/delete-identity.ts';
import type { SesAction } from './action.ts';

export const deleteIdentityAction: SesAction<{ Identity: string }, object> = {
  name: 'DeleteIdentity',
  throttled: true,
  async run(ctx, scope, input) {
    await deleteIdentity(ctx, scope, input.Identity);
    return {};
  },
};
