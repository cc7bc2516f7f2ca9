import { getIdentityNotificationAttributes } from '../../app/identity-notifications.ts';
import type { SesAction } from './action.ts';

interface IdentityNotificationAttributes {
  readonly BounceTopic?: string;
  readonly ComplaintTopic?: string;
  readonly DeliveryTopic?: string;
  readonly ForwardingEnabled: boolean;
  readonly HeadersInBounceNotificationsEnabled: boolean;
  readonly HeadersInComplaintNotificationsEnabled: boolean;
  readonly HeadersInDeliveryNotificationsEnabled: boolean;
}

export const getIdentityNotificationAttributesAction: SesAction<
  { Identities: string[] },
  { NotificationAttributes: Map<string, IdentityNotificationAttributes> }
> = {
  name: 'GetIdentityNotificationAttributes',
  throttled: true,
  async run(ctx, scope, input) {
    const attributes = await getIdentityNotificationAttributes(ctx, scope, input.Identities);
    const map = new Map<string, IdentityNotificationAttributes>();
    for (const [identity, a] of attributes) {
      // Topics that are not set are left out (the model marks them required; botocore does not enforce it).
      map.set(identity, {
        ...(a.bounceTopic !== null && { BounceTopic: a.bounceTopic }),
        ...(a.complaintTopic !== null && { ComplaintTopic: a.complaintTopic }),
        ...(a.deliveryTopic !== null && { DeliveryTopic: a.deliveryTopic }),
        ForwardingEnabled: a.forwardingEnabled,
        HeadersInBounceNotificationsEnabled: a.headersInBounce,
        HeadersInComplaintNotificationsEnabled: a.headersInComplaint,
        HeadersInDeliveryNotificationsEnabled: a.headersInDelivery,
      });
    }
    return { NotificationAttributes: map };
  },
};
