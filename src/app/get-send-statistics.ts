import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

/** SES: "Each data point in the list contains statistics for a 15-minute period of time." */
export const SEND_STATISTICS_INTERVAL_MS = 15 * 60_000;
/** SES: "...the user's sending activity for the past two weeks." */
export const SEND_STATISTICS_WINDOW_MS = 14 * 86_400_000;

export interface SendDataPoint {
  /** The start of the 15-minute interval (ms). */
  readonly timestamp: number;
  readonly deliveryAttempts: number;
  readonly bounces: number;
  readonly complaints: number;
  readonly rejects: number;
}

/**
 * GetSendStatistics from the outbox: one data point per 15-minute interval of the last two weeks in
 * which the account sent (oldest first; SES gives no order), counting recipients as SES counts
 * delivery attempts. Bounces are the recipients whose delivery the relay refused for good (the one
 * bounce Signet sees); Signet receives no complaints, and it rejects nothing it has accepted (SES's
 * Rejects are accepted messages it then refused to send, such as a virus), so both stay 0. Without
 * sending configured nothing was sent.
 */
export async function getSendStatistics(ctx: AppContext, scope: Scope): Promise<SendDataPoint[]> {
  if (!ctx.send) return [];
  const now = ctx.clock.now();
  // Whole intervals: the oldest one that overlaps the window is reported whole.
  const since = Math.floor((now - SEND_STATISTICS_WINDOW_MS) / SEND_STATISTICS_INTERVAL_MS) * SEND_STATISTICS_INTERVAL_MS;
  const activity = await ctx.send.outbox.sendActivity(scope, since, SEND_STATISTICS_INTERVAL_MS);
  return activity.map((a) => ({ timestamp: a.start, deliveryAttempts: a.deliveryAttempts, bounces: a.failedRecipients, complaints: 0, rejects: 0 }));
}
