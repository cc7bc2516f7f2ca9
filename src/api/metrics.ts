import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one server process (prom-client), exposed on `GET /metrics`. */
export interface ApiMetrics {
  readonly registry: Registry;
  observeRequest(action: string | null, code: string, seconds: number): void;
  countThrottled(action: string | null): void;
  /** A DKIM key generated for a ring, activated, or retired (issue 16). */
  countKeyEvent(event: 'generated' | 'activated' | 'retired'): void;
}

export function createApiMetrics(keyPool: { readonly size: number; readonly generated: number }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'signet_' });
  const requests = new Counter({
    name: 'signet_api_requests_total',
    help: 'SES API requests by action and result code (OK or the SES error code).',
    labelNames: ['action', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'signet_api_request_duration_seconds',
    help: 'SES API request latency in the handler.',
    labelNames: ['action'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'signet_api_throttled_total',
    help: 'Calls answered with Throttling.',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const keyEvents = new Counter({
    name: 'signet_dkim_key_events_total',
    help: 'Key ring changes: keys generated behind a token, activated (began signing), retired (stopped signing, still published).',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  for (const event of ['generated', 'activated', 'retired'] as const) keyEvents.inc({ event }, 0);
  new Gauge({
    name: 'signet_key_pool_ready_keys',
    help: 'DKIM key pairs ready in the pool.',
    registers: [registry],
    collect() {
      this.set(keyPool.size);
    },
  });
  new Counter({
    name: 'signet_key_pool_generated_total',
    help: 'DKIM key pairs this process generated and stored in the pool.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(keyPool.generated);
    },
  });
  return {
    registry,
    observeRequest(action, code, seconds) {
      const label = action ?? 'unknown';
      requests.inc({ action: label, code });
      latency.observe({ action: label }, seconds);
    },
    countThrottled(action) {
      throttled.inc({ action: action ?? 'unknown' });
    },
    countKeyEvent(event) {
      keyEvents.inc({ event });
    },
  };
}
