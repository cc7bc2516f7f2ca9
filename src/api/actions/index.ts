import type { SesAction } from './action.ts';
import { deleteIdentityPolicyAction } from './delete-identity-policy.ts';
import { deleteVerifiedEmailAddressAction } from './delete-verified-email-address.ts';
import { getIdentityNotificationAttributesAction } from './get-identity-notification-attributes.ts';
import { getIdentityPoliciesAction } from './get-identity-policies.ts';
import { getSendStatisticsAction } from './get-send-statistics.ts';
import { listIdentityPoliciesAction } from './list-identity-policies.ts';
import { listVerifiedEmailAddressesAction } from './list-verified-email-addresses.ts';
import { putIdentityPolicyAction } from './put-identity-policy.ts';
import { setIdentityFeedbackForwardingEnabledAction } from './set-identity-feedback-forwarding-enabled.ts';
import { setIdentityHeadersInNotificationsEnabledAction } from './set-identity-headers-in-notifications-enabled.ts';
import { setIdentityNotificationTopicAction } from './set-identity-notification-topic.ts';
import { deleteIdentityAction } from './delete-identity.ts';
import { getIdentityDkimAttributesAction } from './get-identity-dkim-attributes.ts';
import { getIdentityMailFromDomainAttributesAction } from './get-identity-mail-from-domain-attributes.ts';
import { getIdentityVerificationAttributesAction } from './get-identity-verification-attributes.ts';
import { getSendQuotaAction } from './get-send-quota.ts';
import { listIdentitiesAction } from './list-identities.ts';
import { sendEmailAction, sendRawEmailAction } from './send-email.ts';
import { setIdentityDkimEnabledAction } from './set-identity-dkim-enabled.ts';
import { setIdentityMailFromDomainAction } from './set-identity-mail-from-domain.ts';
import { verifyDomainDkimAction } from './verify-domain-dkim.ts';
import { verifyDomainIdentityAction } from './verify-domain-identity.ts';
import { verifyEmailAddressAction, verifyEmailIdentityAction } from './verify-email-identity.ts';

export type { SesAction } from './action.ts';

/** Every action the API serves; each is compiled against the SES v1 model (query/operations.ts). */
export const SES_ACTIONS: readonly SesAction[] = [
  verifyDomainDkimAction,
  verifyDomainIdentityAction,
  verifyEmailIdentityAction,
  verifyEmailAddressAction,
  listIdentitiesAction,
  deleteIdentityAction,
  getIdentityDkimAttributesAction,
  setIdentityDkimEnabledAction,
  getIdentityVerificationAttributesAction,
  getIdentityMailFromDomainAttributesAction,
  setIdentityMailFromDomainAction,
  getSendQuotaAction,
  sendEmailAction,
  sendRawEmailAction,
  listVerifiedEmailAddressesAction,
  deleteVerifiedEmailAddressAction,
  setIdentityNotificationTopicAction,
  getIdentityNotificationAttributesAction,
  setIdentityFeedbackForwardingEnabledAction,
  setIdentityHeadersInNotificationsEnabledAction,
  putIdentityPolicyAction,
  getIdentityPoliciesAction,
  listIdentityPoliciesAction,
  deleteIdentityPolicyAction,
  getSendStatisticsAction,
];
