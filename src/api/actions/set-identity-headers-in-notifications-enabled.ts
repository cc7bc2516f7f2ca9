import { setIdentityHeadersInNotificationsEnabled } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

export const setIdentityHeadersInNotificationsEnabledAction: SesAction = {
  name: 'SetIdentityHeadersInNotificationsEnabled',
  throttled: true,
  async run(ctx, scope, params) {
    await setIdentityHeadersInNotificationsEnabled(ctx, scope, {
      identity: params.requiredString('Identity'),
      notificationType: params.requiredString('NotificationType'),
      enabled: params.requiredBoolean('Enabled'),
    });
    return [];
  },
};
