import { listIdentities } from '../../app/list-identities.ts';
import type { SesAction } from './action.ts';

export const listIdentitiesAction: SesAction<{ IdentityType?: string; NextToken?: string; MaxItems?: number }, { Identities: string[]; NextToken?: string }> = {
  name: 'ListIdentities',
  throttled: true,
  // The use case checks IdentityType with the message SES answers (no "1 validation error" prefix).
  decode: { enumsCheckedByUseCase: ['IdentityType'] },
  async run(ctx, scope, input) {
    const page = await listIdentities(ctx, scope, { identityType: input.IdentityType, nextToken: input.NextToken, maxItems: input.MaxItems });
    return { Identities: page.identities, ...(page.nextToken !== null && { NextToken: page.nextToken }) };
  },
};
