import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DetectionObserver, DetectionOverview } from '../app/detection-ports.ts';

/**
 * What an operator watches beside the API (issue 19, item 3): detection, the key zone's DNS answers,
 * and SMTP. On the server's registry (`GET /metrics`); the gauges read their sources at scrape time.
 */
export interface OperationsMetrics {
  readonly detection: Pick<DetectionObserver, 'checked'> & { statusChanged(kind: string, to: string): void };
  readonly smtp: { message(outcome: 'accepted' | 'rejected'): void };
}

export interface OperationsSources {
  /** The store's counts: a few GROUP BYs over every identity, read once per scrape (a slow read is kept a while). */
  readonly overview: () => Promise<DetectionOverview>;
  /** DNS answers by query type and RCODE so far, in this process. */
  readonly dnsAnswers: () => Iterable<{ type: string; rcode: string; count: number }>;
  /** This process's DNS key cache once the DNS server runs: keys held, answered from memory, read from the store. */
  readonly dnsCache?: () => { readonly size: number; readonly hits: number; readonly storeReads: number } | null;
}

/** An overview whose queries took this long or more (DetectionOverview.readMs) is kept for a while (see createOperationsMetrics). */
export const SLOW_OVERVIEW_MS = 100;
/**
 * How many times its own duration a slow overview is kept: at a million identities its queries took
 * 1.3 to 1.7 s (bench/metrics-scrape.ts), so the gauges are at most about 35 s old there (21 times the
 * read, from its snapshot), and scrapes every 15 s cost the store a read every third time or so.
 */
export const OVERVIEW_REUSE = 20;

export function createOperationsMetrics(registry: Registry, sources: OperationsSources, options: { readonly now?: () => number } = {}): OperationsMetrics {
  const checks = new Counter({
    name: 'signet_detection_checks_total',
    help: 'DKIM detection checks by outcome (found, not_found, inconclusive; none: no DKIM tokens).',
    labelNames: ['verdict'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'signet_detection_check_duration_seconds',
    help: 'Time taken by the DNS lookups of one detection check.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const changes = new Counter({
    name: 'signet_detection_status_changes_total',
    help: 'Identity status changes made by detection, by kind (dkim, verification) and new status.',
    labelNames: ['kind', 'to'] as const,
    registers: [registry],
  });
  // One read of the store per scrape serves the four gauges below. The read counts every identity:
  // one whose queries took SLOW_OVERVIEW_MS or more is kept for OVERVIEW_REUSE times as long, so
  // such reads cost the store at most about 1/OVERVIEW_REUSE of its time however often scrapes come.
  // A quicker one, as in a small store, is read again at every scrape. Decided once per scrape (the
  // gauges share `pending` until the scrape's turn of the event loop is over).
  const now = options.now ?? (() => performance.now());
  let pending: Promise<DetectionOverview> | null = null;
  let kept: { readonly value: DetectionOverview; readonly until: number } | null = null;
  const overview = (): Promise<DetectionOverview> => {
    pending ??= (async () => {
      try {
        if (kept !== null && now() < kept.until) return kept.value;
        const value = await sources.overview();
        kept = value.readMs >= SLOW_OVERVIEW_MS ? { value, until: now() + OVERVIEW_REUSE * value.readMs } : null;
        return value;
      } finally {
        setImmediate(() => (pending = null));
      }
    })();
    return pending;
  };
  new Gauge({
    name: 'signet_identities',
    help: 'Identities of every account by kind and verification status.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await overview()).verification) this.set({ kind: r.kind, status: r.status }, r.count);
    },
  });
  /** A gauge of counts by status, read from the scrape's one overview. */
  const byStatus = (name: string, help: string, rows: (o: DetectionOverview) => DetectionOverview['dkim']) =>
    new Gauge({
      name,
      help,
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of rows(await overview())) this.set({ status: r.status }, r.count);
      },
    });
  byStatus('signet_identities_dkim', 'Domain identities by DKIM status.', (o) => o.dkim);
  byStatus('signet_identities_external_dkim', 'Bring-your-own-DKIM keys by their detection status (Pending, Success, Failed...).', (o) => o.external);
  new Gauge({
    name: 'signet_detection_overdue_identities',
    help: 'Identities whose detection check is overdue by more than 5 minutes and held by no worker.',
    registers: [registry],
    async collect() {
      this.set((await overview()).overdue);
    },
  });
  new Counter({
    name: 'signet_dns_answers_total',
    help: 'DNS answers of the key zone server (this process) by query type and RCODE.',
    labelNames: ['type', 'rcode'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of sources.dnsAnswers()) this.inc({ type: e.type, rcode: e.rcode }, e.count);
    },
  });
  // How well --dns-cache-keys serves the load: a key not in memory costs a store read.
  new Gauge({
    name: 'signet_dns_cache_keys',
    help: 'Keys the DNS server (this process, not its DNS workers) holds in memory; at most --dns-cache-keys.',
    registers: [registry],
    collect() {
      this.set(sources.dnsCache?.()?.size ?? 0);
    },
  });
  new Counter({
    name: 'signet_dns_key_lookups_total',
    help: 'Keys the DNS server (this process, not its DNS workers) looked up, by where they came from (memory; store: a token in a batched read counts once).',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      const cache = sources.dnsCache?.() ?? null;
      this.reset();
      this.inc({ source: 'memory' }, cache?.hits ?? 0);
      this.inc({ source: 'store' }, cache?.storeReads ?? 0);
    },
  });
  const smtpMessages = new Counter({
    name: 'signet_smtp_messages_total',
    help: 'Messages offered over SMTP by outcome (accepted: stored for delivery; rejected: refused with a reply).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    detection: {
      checked: (outcome, seconds) => {
        checks.inc({ verdict: outcome ?? 'none' });
        latency.observe(seconds);
      },
      statusChanged: (kind, to) => changes.inc({ kind, to }),
    },
    smtp: { message: (outcome) => smtpMessages.inc({ outcome }) },
  };
}
