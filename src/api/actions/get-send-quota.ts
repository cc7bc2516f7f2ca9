import { getSendQuota } from '../../app/get-send-quota.ts';
import { el } from '../xml.ts';
import type { SesAction } from './action.ts';

/** Doubles on the wire: botocore reads them with float(), and the CLI prints `200.0`. */
function double(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

export const getSendQuotaAction: SesAction = {
  name: 'GetSendQuota',
  throttled: false,
  async run(ctx, scope) {
    const quota = await getSendQuota(ctx, scope);
    return [
      el('Max24HourSend', double(quota.max24HourSend)),
      el('MaxSendRate', double(quota.maxSendRate)),
      el('SentLast24Hours', double(quota.sentLast24Hours)),
    ];
  },
};
