import { getIdentityNotificationAttributes } from '../../app/identity-notifications.ts';
import { el, entries, type XmlElement } from '../xml.ts';
import type { SesAction } from './action.ts';

export const getIdentityNotificationAttributesAction: SesAction = {
  name: 'GetIdentityNotificationAttributes',
  throttled: true,
  async run(ctx, scope, params) {
    const attributes = await getIdentityNotificationAttributes(ctx, scope, params.requiredStringList('Identities'));
    const map = new Map<string, XmlElement[]>();
    for (const [identity, a] of attributes) {
      // Topics that are not set are left out (the model marks them required; botocore does not enforce it).
      const value: XmlElement[] = [];
      if (a.bounceTopic !== null) value.push(el('BounceTopic', a.bounceTopic));
      if (a.complaintTopic !== null) value.push(el('ComplaintTopic', a.complaintTopic));
      if (a.deliveryTopic !== null) value.push(el('DeliveryTopic', a.deliveryTopic));
      value.push(
        el('ForwardingEnabled', a.forwardingEnabled),
        el('HeadersInBounceNotificationsEnabled', a.headersInBounce),
        el('HeadersInComplaintNotificationsEnabled', a.headersInComplaint),
        el('HeadersInDeliveryNotificationsEnabled', a.headersInDelivery),
      );
      map.set(identity, value);
    }
    return [el('NotificationAttributes', entries(map))];
  },
};
