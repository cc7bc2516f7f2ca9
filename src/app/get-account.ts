import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { getSendQuota, type SendQuota } from './get-send-quota.ts';

export interface AccountStatus {
  readonly quota: SendQuota;
  /** False while the account is in SES's sandbox (`signet admin grant-production-access` moves it out). */
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
  return { quota, productionAccess: quota.productionAccess, sendingEnabled: true, enforcement: 'HEALTHY' };
}
