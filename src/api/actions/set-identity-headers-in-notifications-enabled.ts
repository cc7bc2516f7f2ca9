import { setIdentityHeadersInNotificationsEnabled } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

export const setIdentityHeadersInNotificationsEnabledAction: SesAction<{ Identity: string; NotificationType: string; Enabled: boolean }, object> = {
  name: 'SetIdentityHeadersInNotificationsEnabled',
  throttled: true,
  // core/notification-topic.ts checks NotificationType with SES's captured message (values in SES's order).
  decode: { enumsCheckedByUseCase: ['NotificationType'] },
  async run(ctx, scope, input) {
    await setIdentityHeadersInNotificationsEnabled(ctx, scope, { identity: input.Identity, notificationType: input.NotificationType, enabled: input.Enabled });
    return {};
  },
};
