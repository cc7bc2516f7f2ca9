import { setIdentityNotificationTopic } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

export const setIdentityNotificationTopicAction: SesAction<{ Identity: string; NotificationType: string; SnsTopic?: string }, object> = {
  name: 'SetIdentityNotificationTopic',
  throttled: true,
  // core/notification-topic.ts checks NotificationType with SES's captured message (values in SES's order).
  decode: { enumsCheckedByUseCase: ['NotificationType'] },
  async run(ctx, scope, input) {
    await setIdentityNotificationTopic(ctx, scope, { identity: input.Identity, notificationType: input.NotificationType, snsTopic: input.SnsTopic });
    return {};
  },
};
