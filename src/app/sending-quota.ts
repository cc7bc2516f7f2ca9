import { DomainError, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import type { SendServices } from './send-ports.ts';

const DAY_MS = 86_400_000;

/** SES's sandbox quota (quotas.md): 200 messages per 24 hours, 1 message per second. */
export const SANDBOX_MAX_24_HOUR_SEND = 200;
export const SANDBOX_MAX_SEND_RATE = 1;

/** The limits one account sends under: the configured ones, capped at SES's sandbox quota while it is in the sandbox. */
export interface AccountLimits {
  readonly productionAccess: boolean;
  /** -1: unlimited. */
  readonly max24HourSend: number;
  readonly maxSendRate: number;
}

export async function accountLimits(send: SendServices, accountId: string): Promise<AccountLimits> {
  const productionAccess = await send.access.hasProductionAccess(accountId);
  const { max24HourSend, maxSendRate } = send.policy;
  if (productionAccess) return { productionAccess, max24HourSend, maxSendRate };
  return {
    productionAccess,
    max24HourSend: max24HourSend < 0 ? SANDBOX_MAX_24_HOUR_SEND : Math.min(max24HourSend, SANDBOX_MAX_24_HOUR_SEND),
    maxSendRate: Math.min(maxSendRate, SANDBOX_MAX_SEND_RATE),
  };
}

/**
 * SentLast24Hours: recipients of the account's messages in this region over the last 24 hours
 * (mailbox simulator recipients are not counted: SES leaves them out of the daily quota).
 */
export function sentLast24Hours(ctx: AppContext, send: SendServices, scope: Scope): Promise<number> {
  return send.outbox.countRecipientsSince(scope, ctx.clock.now() - DAY_MS);
}

/**
 * Max24HourSend: refuses a message whose recipients would take the account past its daily quota
 * ("Every recipient counts against the 24-hour quota"), in SES's words. Signet's own verification
 * mail counts too (issue 14): otherwise VerifyEmailIdentity would be an unmetered way to send.
 */
export async function checkDailyQuota(ctx: AppContext, send: SendServices, scope: Scope, recipients: number, limits?: AccountLimits): Promise<void> {
  const max = (limits ?? (await accountLimits(send, scope.accountId))).max24HourSend;
  if (max < 0) return;
  if ((await sentLast24Hours(ctx, send, scope)) + recipients > max) {
    throw new DomainError('daily_quota_exceeded', 'Daily message quota exceeded.');
  }
}
