import {
  checkForwarding,
  checkSnsTopicArn,
  DEFAULT_NOTIFICATIONS,
  parseNotificationType,
  type NotificationSettings,
  type NotificationType,
  type Scope,
} from '../core/index.ts';
import type { AppContext } from './context.ts';
import { parseIdentityList } from './identity-list-input.ts';
import { notVerified, ownedIdentity } from './owned-identity.ts';

const TOPIC_OF: Record<NotificationType, 'bounceTopic' | 'complaintTopic' | 'deliveryTopic'> = {
  Bounce: 'bounceTopic',
  Complaint: 'complaintTopic',
  Delivery: 'deliveryTopic',
};
const HEADERS_OF: Record<NotificationType, 'headersInBounce' | 'headersInComplaint' | 'headersInDelivery'> = {
  Bounce: 'headersInBounce',
  Complaint: 'headersInComplaint',
  Delivery: 'headersInDelivery',
};

/** Applies a change to a verified identity's settings, refusing any result SES would not hold. */
async function update(ctx: AppContext, scope: Scope, input: string, change: (s: NotificationSettings) => NotificationSettings): Promise<void> {
  const { name } = await ownedIdentity(ctx, scope, input);
  const updated = await ctx.identitySettings.updateNotifications(scope, name, (current) => {
    const next = change(current);
    checkForwarding(next, input);
    return next;
  });
  if (!updated) throw notVerified(input); // deleted meanwhile
}

/**
 * SetIdentityNotificationTopic: the SNS topic for one notification type of a verified identity, or
 * none when `snsTopic` is absent (or empty, which SDKs send to clear it). Signet keeps and reports the
 * topic; it publishes nothing (it has no SNS). Removing the bounce or complaint topic while feedback
 * forwarding is off is refused, as disabling forwarding without them is.
 */
export async function setIdentityNotificationTopic(
  ctx: AppContext,
  scope: Scope,
  input: { identity: string; notificationType: string; snsTopic: string | undefined },
): Promise<void> {
  const type = parseNotificationType(input.notificationType);
  const topic = input.snsTopic === undefined || input.snsTopic === '' ? null : checkSnsTopicArn(input.snsTopic, scope);
  await update(ctx, scope, input.identity, (s) => ({ ...s, [TOPIC_OF[type]]: topic }));
}

/** SetIdentityFeedbackForwardingEnabled: off only with bounce and complaint topics set (SES's rule). */
export async function setIdentityFeedbackForwardingEnabled(ctx: AppContext, scope: Scope, identity: string, enabled: boolean): Promise<void> {
  await update(ctx, scope, identity, (s) => ({ ...s, forwardingEnabled: enabled }));
}

/** SetIdentityHeadersInNotificationsEnabled: whether the notifications of one type carry the original headers. */
export async function setIdentityHeadersInNotificationsEnabled(
  ctx: AppContext,
  scope: Scope,
  input: { identity: string; notificationType: string; enabled: boolean },
): Promise<void> {
  const type = parseNotificationType(input.notificationType);
  await update(ctx, scope, input.identity, (s) => ({ ...s, [HEADERS_OF[type]]: input.enabled }));
}

/**
 * GetIdentityNotificationAttributes: the settings of every listed identity the account has (the
 * defaults where none were changed: forwarding on, no topics, no headers), keyed as the caller wrote
 * them; unknown identities are omitted, as the other Get*Attributes operations do. At most 100.
 */
export async function getIdentityNotificationAttributes(ctx: AppContext, scope: Scope, inputs: readonly string[]): Promise<Map<string, NotificationSettings>> {
  const requested = parseIdentityList(inputs, ctx.toAscii);
  const names = requested.map(([, id]) => id.name);
  const [identities, kept] = await Promise.all([ctx.store.getIdentities(scope, names), ctx.identitySettings.getNotifications(scope, names)]);
  const out = new Map<string, NotificationSettings>();
  for (const [input, id] of requested) {
    if (identities.has(id.name)) out.set(input, kept.get(id.name) ?? DEFAULT_NOTIFICATIONS);
  }
  return out;
}
