import { setIdentityNotificationTopic } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

export const setIdentityNotificationTopicAction: SesAction = {
  name: 'SetIdentityNotificationTopic',
  throttled: true,
  async run(ctx, scope, params) {
    await setIdentityNotificationTopic(ctx, scope, {
      identity: params.requiredString('Identity'),
      notificationType: params.requiredString('NotificationType'),
      snsTopic: params.optionalString('SnsTopic'),
    });
    return [];
  },
};
