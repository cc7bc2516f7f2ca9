import { getSendStatistics } from '../../app/get-send-statistics.ts';
import type { SesAction } from './action.ts';

interface SendDataPoint {
  /** Epoch milliseconds; the encoder writes the model's timestamp as ISO 8601 to the second. */
  readonly Timestamp: number;
  readonly DeliveryAttempts: number;
  readonly Bounces: number;
  readonly Complaints: number;
  readonly Rejects: number;
}

export const getSendStatisticsAction: SesAction<object, { SendDataPoints: SendDataPoint[] }> = {
  name: 'GetSendStatistics',
  throttled: false,
  async run(ctx, scope) {
    const points = await getSendStatistics(ctx, scope);
    return {
      SendDataPoints: points.map((p) => ({
        Timestamp: p.timestamp,
        DeliveryAttempts: p.deliveryAttempts,
        Bounces: p.bounces,
        Complaints: p.complaints,
        Rejects: p.rejects,
      })),
    };
  },
};
