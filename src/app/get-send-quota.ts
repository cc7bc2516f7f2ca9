import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { accountLimits, sentLast24Hours } from './sending-quota.ts';

export interface SendQuota {
  /** Out of SES's sandbox (v2 GetAccount's ProductionAccessEnabled). */
  readonly productionAccess: boolean;
  readonly max24HourSend: number;
  readonly maxSendRate: number;
  readonly sentLast24Hours: number;
}

/**
 * GetSendQuota: the configured limits (SES's sandbox defaults, 200 per day and 1 per second, unless
 * the operator set others; an account in the sandbox gets at most those) and the recipients of the messages the account sent in the last 24 hours,
 * counted from the outbox ("Every recipient counts against the 24-hour quota"). Without sending
 * configured nothing can have been sent.
 */
export async function getSendQuota(ctx: AppContext, scope: Scope): Promise<SendQuota> {
  const send = ctx.send;
  if (!send) return { productionAccess: true, max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 };
  const limits = await accountLimits(send, scope.accountId);
  return { ...limits, sentLast24Hours: await sentLast24Hours(ctx, send, scope) };
}
