import { Counter, type Registry } from 'prom-client';

export interface SendMetrics {
  /** A message left without its domain's signature; `kind` says why (disabled, not_verified, unsignable). */
  unsigned(kind: string): void;
  /** A relay attempt's outcome: delivered, retry, failed. */
  delivery(outcome: 'delivered' | 'retry' | 'failed'): void;
}

/** Sending's Prometheus counters, on the server's registry (`GET /metrics`). */
export function createSendMetrics(registry: Registry): SendMetrics {
  const unsigned = new Counter({
    name: 'signet_messages_unsigned_total',
    help: 'Messages sent without a DKIM signature by their From domain, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const delivery = new Counter({
    name: 'signet_relay_attempts_total',
    help: 'SMTP relay delivery attempts by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    unsigned: (kind) => unsigned.inc({ reason: kind }),
    delivery: (outcome) => delivery.inc({ outcome }),
  };
}
