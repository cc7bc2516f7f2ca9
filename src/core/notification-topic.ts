import { DomainError } from './errors.ts';
import type { Scope } from './identity.ts';

/** SES's NotificationType enum (SetIdentityNotificationTopic, SetIdentityHeadersInNotificationsEnabled). */
export const NOTIFICATION_TYPES = ['Bounce', 'Complaint', 'Delivery'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What SES keeps per identity about its feedback (GetIdentityNotificationAttributes). */
export interface NotificationSettings {
  readonly bounceTopic: string | null;
  readonly complaintTopic: string | null;
  readonly deliveryTopic: string | null;
  /** SES forwards bounces and complaints as email unless switched off; on by default. */
  readonly forwardingEnabled: boolean;
  readonly headersInBounce: boolean;
  readonly headersInComplaint: boolean;
  readonly headersInDelivery: boolean;
}

/** An identity nobody configured: no topics, feedback forwarded by email, no headers. */
export const DEFAULT_NOTIFICATIONS: NotificationSettings = {
  bounceTopic: null,
  complaintTopic: null,
  deliveryTopic: null,
  forwardingEnabled: true,
  headersInBounce: false,
  headersInComplaint: false,
  headersInDelivery: false,
};

export function parseNotificationType(value: string): NotificationType {
  if ((NOTIFICATION_TYPES as readonly string[]).includes(value)) return value as NotificationType;
  const shown = value.length > 100 ? `${value.slice(0, 100)}...` : value;
  throw new DomainError(
    'validation_failed',
    `1 validation error detected: Value '${shown}' at 'notificationType' failed to satisfy constraint: Member must satisfy enum value set: [${NOTIFICATION_TYPES.join(', ')}]`,
  );
}

// arn:PARTITION:sns:REGION:ACCOUNT:NAME; SNS topic names are 1-256 letters, digits, '-' and '_'
// ('.fifo' at the end for FIFO topics, which SES cannot publish to).
const SNS_TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

/**
 * An SNS topic for SES's notifications. Signet has no SNS: it keeps the topic and reports it, so the
 * check is the one SES makes without asking SNS, the shape of the ARN and its region: SES publishes
 * only to a topic in the identity's own region (a topic elsewhere is refused, boto3#2645).
 */
export function checkSnsTopicArn(arn: string, scope: Scope): string {
  const m = SNS_TOPIC_ARN.exec(arn);
  if (m === null || m[1] !== scope.region) {
    throw new DomainError('invalid_parameter', `Invalid SNS topic ARN ${arn}: it must name an SNS topic in region ${scope.region}.`);
  }
  return arn;
}

/**
 * SES: "Feedback forwarding can only be disabled when Amazon SNS topics are specified for both bounces
 * and complaints." A change that would leave forwarding off without them is refused.
 */
export function checkForwarding(settings: NotificationSettings, identity: string): void {
  if (!settings.forwardingEnabled && (settings.bounceTopic === null || settings.complaintTopic === null)) {
    throw new DomainError(
      'invalid_parameter',
      `Feedback forwarding cannot be disabled for ${identity}: SNS topics must be set for both Bounce and Complaint notifications.`,
    );
  }
}
