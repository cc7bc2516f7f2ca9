import { setIdentityFeedbackForwardingEnabled } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

export const setIdentityFeedbackForwardingEnabledAction: SesAction<{ Identity: string; ForwardingEnabled: boolean }, object> = {
  name: 'SetIdentityFeedbackForwardingEnabled',
  throttled: true,
  async run(ctx, scope, input) {
    await setIdentityFeedbackForwardingEnabled(ctx, scope, input.Identity, input.ForwardingEnabled);
    return {};
  },
};
