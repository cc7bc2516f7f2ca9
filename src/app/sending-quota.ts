import { DomainError, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import type { SendServices } from './send-ports.ts';

const DAY_MS = 86_400_000;

/** SentLast24Hours: recipients of the account's messages in this region over the last 24 hours. */
export function sentLast24Hours(ctx: AppContext, send: SendServices, scope: Scope): Promise<number> {
  return send.outbox.countRecipientsSince(scope, ctx.clock.now() - DAY_MS);
}

/**
 * Max24HourSend: refuses a message whose recipients would take the account past its daily quota
 * ("Every recipient counts against the 24-hour quota"), in SES's words. Signet's own verification
 * mail counts too (issue 14): otherwise VerifyEmailIdentity would be an unmetered way to send.
 */
export async function checkDailyQuota(ctx: AppContext, send: SendServices, scope: Scope, recipients: number): Promise<void> {
  const max = send.policy.max24HourSend;
  if (max < 0) return;
  if ((await sentLast24Hours(ctx, send, scope)) + recipients > max) {
    throw new DomainError('daily_quota_exceeded', 'Daily message quota exceeded.');
  }
}
