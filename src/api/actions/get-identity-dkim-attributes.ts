import { getIdentityDkimAttributes } from '../../app/get-identity-dkim-attributes.ts';
import { el, entries, members, type XmlElement } from '../xml.ts';
import type { SesAction } from './action.ts';

export const getIdentityDkimAttributesAction: SesAction = {
  name: 'GetIdentityDkimAttributes',
  throttled: true,
  async run(ctx, scope, params) {
    const attributes = await getIdentityDkimAttributes(ctx, scope, params.requiredStringList('Identities'));
    const map = new Map<string, XmlElement[]>();
    for (const [identity, a] of attributes) {
      const value: XmlElement[] = [el('DkimEnabled', a.dkimEnabled), el('DkimVerificationStatus', a.status)];
      if (a.tokens !== null) value.push(el('DkimTokens', members(a.tokens)));
      map.set(identity, value);
    }
    return [el('DkimAttributes', entries(map))];
  },
};
