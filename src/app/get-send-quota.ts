import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { sentLast24Hours } from './sending-quota.ts';

export interface SendQuota {
  readonly max24HourSend: number;
  readonly maxSendRate: number;
  readonly sentLast24Hours: number;
}

/**
 * GetSendQuota: the configured limits (SES's sandbox defaults, 200 per day and 1 per second, unless
 * the operator set others) and the recipients of the messages the account sent in the last 24 hours,
 * counted from the outbox ("Every recipient counts against the 24-hour quota"). Without sending
 * configured nothing can have been sent.
 */
export async function getSendQuota(ctx: AppContext, scope: Scope): Promise<SendQuota> {
  const send = ctx.send;
  if (!send) return { max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 };
  return { max24HourSend: send.policy.max24HourSend, maxSendRate: send.policy.maxSendRate, sentLast24Hours: await sentLast24Hours(ctx, send, scope) };
}
