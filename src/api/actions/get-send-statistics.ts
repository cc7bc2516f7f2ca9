import { getSendStatistics } from '../../app/get-send-statistics.ts';
import { el } from '../xml.ts';
import type { SesAction } from './action.ts';

/** SES writes timestamps as ISO 8601 in UTC to the second (`2011-08-03T19:23:00Z`, the API reference's example). */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const getSendStatisticsAction: SesAction = {
  name: 'GetSendStatistics',
  throttled: false,
  async run(ctx, scope) {
    const points = await getSendStatistics(ctx, scope);
    return [
      el(
        'SendDataPoints',
        points.map((p) =>
          el('member', [
            el('Timestamp', isoSeconds(p.timestamp)),
            el('DeliveryAttempts', p.deliveryAttempts),
            el('Bounces', p.bounces),
            el('Complaints', p.complaints),
            el('Rejects', p.rejects),
          ]),
        ),
      ),
    ];
  },
};
