import { verifyDomainDkim } from '../../app/verify-domain-dkim.ts';
import { el, members } from '../xml.ts';
import type { SesAction } from './action.ts';

export const verifyDomainDkimAction: SesAction = {
  name: 'VerifyDomainDkim',
  throttled: true,
  async run(ctx, scope, params) {
    const tokens = await verifyDomainDkim(ctx, scope, params.requiredString('Domain'));
    return [el('DkimTokens', members(tokens))];
  },
};
