import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { getSendQuota, type SendQuota } from './get-send-quota.ts';

export interface AccountStatus {
  readonly quota: SendQuota;
  /** Signet has no sandbox to leave: every account sends to any recipient within its quota. */
  readonly productionAccess: boolean;
  readonly sendingEnabled: boolean;
  readonly enforcement: 'HEALTHY';
}

/**
 * GetAccount (SES v2): the same quota and counter as v1 GetSendQuota, so both APIs agree. Signet
 * never pauses an account or reviews its reputation, so sending is on and the account is healthy.
 */
export async function getAccount(ctx: AppContext, scope: Scope): Promise<AccountStatus> {
  const quota = await getSendQuota(ctx, scope);
  return { quota, productionAccess: true, sendingEnabled: true, enforcement: 'HEALTHY' };
}
