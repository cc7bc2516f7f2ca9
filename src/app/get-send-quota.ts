import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

export interface SendQuota {
  readonly max24HourSend: number;
  readonly maxSendRate: number;
  readonly sentLast24Hours: number;
}

/**
 * GetSendQuota. Until sending lands (its own issue) nothing is sent, so SentLast24Hours is 0; the
 * limits are SES's sandbox defaults (200 per day, 1 per second).
 */
export async function getSendQuota(_ctx: AppContext, _scope: Scope): Promise<SendQuota> {
  return { max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 };
}
