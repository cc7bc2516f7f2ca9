import { getIdentityMailFromDomainAttributes } from '../../app/get-identity-mail-from-domain-attributes.ts';
import type { SesAction } from './action.ts';

interface IdentityMailFromDomainAttributes {
  readonly MailFromDomain?: string;
  readonly MailFromDomainStatus?: string;
  readonly BehaviorOnMXFailure: string;
}

export const getIdentityMailFromDomainAttributesAction: SesAction<
  { Identities: string[] },
  { MailFromDomainAttributes: Map<string, IdentityMailFromDomainAttributes> }
> = {
  name: 'GetIdentityMailFromDomainAttributes',
  throttled: true,
  async run(ctx, scope, input) {
    const attributes = await getIdentityMailFromDomainAttributes(ctx, scope, input.Identities);
    const map = new Map<string, IdentityMailFromDomainAttributes>();
    for (const [identity, a] of attributes) {
      // Not set: left out, though the model marks them required (SES does so; botocore does not enforce it).
      map.set(identity, {
        ...(a.mailFromDomain !== null && { MailFromDomain: a.mailFromDomain }),
        ...(a.mailFromDomainStatus !== null && { MailFromDomainStatus: a.mailFromDomainStatus }),
        BehaviorOnMXFailure: a.behaviorOnMxFailure,
      });
    }
    return { MailFromDomainAttributes: map };
  },
};
