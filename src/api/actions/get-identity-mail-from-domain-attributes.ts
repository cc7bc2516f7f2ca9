import { getIdentityMailFromDomainAttributes } from '../../app/get-identity-mail-from-domain-attributes.ts';
import { el, entries, type XmlElement } from '../xml.ts';
import type { SesAction } from './action.ts';

export const getIdentityMailFromDomainAttributesAction: SesAction = {
  name: 'GetIdentityMailFromDomainAttributes',
  throttled: true,
  async run(ctx, scope, params) {
    const attributes = await getIdentityMailFromDomainAttributes(ctx, scope, params.requiredStringList('Identities'));
    const map = new Map<string, XmlElement[]>();
    for (const [identity, a] of attributes) {
      const value: XmlElement[] = [];
      if (a.mailFromDomain !== null) value.push(el('MailFromDomain', a.mailFromDomain));
      if (a.mailFromDomainStatus !== null) value.push(el('MailFromDomainStatus', a.mailFromDomainStatus));
      value.push(el('BehaviorOnMXFailure', a.behaviorOnMxFailure));
      map.set(identity, value);
    }
    return [el('MailFromDomainAttributes', entries(map))];
  },
};
