import { listIdentities } from '../../app/list-identities.ts';
import { el, members, type XmlElement } from '../xml.ts';
import type { SesAction } from './action.ts';

export const listIdentitiesAction: SesAction = {
  name: 'ListIdentities',
  throttled: true,
  async run(ctx, scope, params) {
    const page = await listIdentities(ctx, scope, {
      identityType: params.optionalString('IdentityType'),
      nextToken: params.optionalString('NextToken'),
      maxItems: params.optionalInteger('MaxItems'),
    });
    const result: XmlElement[] = [el('Identities', members(page.identities))];
    if (page.nextToken !== null) result.push(el('NextToken', page.nextToken));
    return result;
  },
};
