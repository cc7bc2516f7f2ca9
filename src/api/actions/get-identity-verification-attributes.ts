import { getIdentityVerificationAttributes } from '../../app/get-identity-verification-attributes.ts';
import { el, entries, type XmlElement } from '../xml.ts';
import type { SesAction } from './action.ts';

export const getIdentityVerificationAttributesAction: SesAction = {
  name: 'GetIdentityVerificationAttributes',
  throttled: true,
  async run(ctx, scope, params) {
    const attributes = await getIdentityVerificationAttributes(ctx, scope, params.requiredStringList('Identities'));
    const map = new Map<string, XmlElement[]>();
    for (const [identity, a] of attributes) {
      const value: XmlElement[] = [el('VerificationStatus', a.status)];
      if (a.token !== null) value.push(el('VerificationToken', a.token));
      map.set(identity, value);
    }
    return [el('VerificationAttributes', entries(map))];
  },
};
