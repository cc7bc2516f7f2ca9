import type { SesAction } from './action.ts';
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

/** Every action the API serves, by its `Action` name. */
export const SES_ACTIONS: ReadonlyMap<string, SesAction> = new Map(
  [
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
  ].map((a) => [a.name, a]),
);
