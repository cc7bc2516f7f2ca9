import { verifyDomainDkim } from '../../app/verify-domain-dkim.ts';
import type { SesAction } from './action.ts';

export const verifyDomainDkimAction: SesAction<{ Domain: string }, { DkimTokens: readonly string[] }> = {
  name: 'VerifyDomainDkim',
  throttled: true,
  async run(ctx, scope, input) {
    return { DkimTokens: await verifyDomainDkim(ctx, scope, input.Domain) };
  },
};
