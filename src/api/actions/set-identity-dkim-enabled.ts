import { setIdentityDkimEnabled } from '../../app/set-identity-dkim-enabled.ts';
import type { SesAction } from './action.ts';

export const setIdentityDkimEnabledAction: SesAction = {
  name: 'SetIdentityDkimEnabled',
  throttled: true,
  async run(ctx, scope, params) {
    const identity = params.requiredString('Identity');
    await setIdentityDkimEnabled(ctx, scope, identity, params.requiredBoolean('DkimEnabled'));
    return [];
  },
};
