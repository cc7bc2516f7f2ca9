import { setIdentityDkimEnabled } from '../../app/set-identity-dkim-enabled.ts';
import type { SesAction } from './action.ts';

export const setIdentityDkimEnabledAction: SesAction<{ Identity: string; DkimEnabled: boolean }, object> = {
  name: 'SetIdentityDkimEnabled',
  throttled: true,
  async run(ctx, scope, input) {
    await setIdentityDkimEnabled(ctx, scope, input.Identity, input.DkimEnabled);
    return {};
  },
};
