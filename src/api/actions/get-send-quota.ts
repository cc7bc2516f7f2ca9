import { getSendQuota } from '../../app/get-send-quota.ts';
import type { SesAction } from './action.ts';

/** Doubles in the model: written with a decimal point (`200.0`) by the encoder. */
export const getSendQuotaAction: SesAction<object, { Max24HourSend: number; MaxSendRate: number; SentLast24Hours: number }> = {
  name: 'GetSendQuota',
  throttled: false,
  async run(ctx, scope) {
    const quota = await getSendQuota(ctx, scope);
    return { Max24HourSend: quota.max24HourSend, MaxSendRate: quota.maxSendRate, SentLast24Hours: quota.sentLast24Hours };
  },
};
