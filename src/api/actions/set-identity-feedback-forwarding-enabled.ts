import { setIdentityFeedbackForwardingEnabled } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

export const setIdentityFeedbackForwardingEnabledAction: SesAction = {
  name: 'SetIdentityFeedbackForwardingEnabled',
  throttled: true,
  async run(ctx, scope, params) {
    const identity = params.requiredString('Identity');
    await setIdentityFeedbackForwardingEnabled(ctx, scope, identity, params.requiredBoolean('ForwardingEnabled'));
    return [];
  },
};
