import type { RetryPolicy } from '../config/send-config.ts';
import type { Clock } from '../app/ports.ts';
import { OUTBOX_COUNTS_KEPT_MS, type EmailVerificationStore, type OutboxMessage, type OutboxStore } from '../app/send-ports.ts';

/** Hands one message to the relay exactly as stored: envelope sender and recipients, raw bytes. */
export interface RelayTransport {
  send(envelope: { from: string; to: readonly string[] }, raw: Buffer): Promise<void>;
  close(): void;
}

/** An SMTP reply the relay gave: a 5xx code is permanent (RFC 5321 §4.2.1), anything else is worth a retry. */
export function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** Exponential backoff with ±20% jitter, so that many messages queued together do not retry in lockstep. */
export function nextDelay(policy: RetryPolicy, attemptsSoFar: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface RelayWorkerOptions {
  readonly outbox: OutboxStore;
  readonly verifications: EmailVerificationStore;
  /** Null when no relay is configured: the worker then only does the housekeeping. */
  readonly transport: RelayTransport | null;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  /** How long a claimed message is ours; a crash frees it after this. */
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly batchSize: number;
  /** Outbox retention; messages still waiting for the relay are kept longer. */
  readonly retentionMs: number;
  readonly onDelivered?: (message: OutboxMessage) => void;
  readonly onAttemptFailed?: (message: OutboxMessage, err: unknown, willRetry: boolean) => void;
  readonly onError: (err: unknown) => void;
}

/**
 * Delivers the outbox to the SMTP relay: claims due messages (a lease, so that several nodes share the
 * work and a crash loses nothing), sends each one's stored bytes, and records the outcome: delivered,
 * retried later with backoff, or failed. Every state is in the store, so pending messages survive a
 * restart and are picked up on the next start. Also purges old messages and expires verification links.
 */
export class RelayWorker {
  readonly #o: RelayWorkerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #lastHousekeeping = 0;

  constructor(options: RelayWorkerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** A message was queued: look now rather than at the next poll. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    this.#o.transport?.close();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.#tick()
        .catch((err) => this.#o.onError(err))
        .finally(() => {
          this.#running = null;
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : this.#o.pollMs);
        });
    }, ms);
    this.#timer.unref?.();
  }

  /** One round: deliver what is due (batch after batch), then the housekeeping once a minute. */
  async #tick(): Promise<void> {
    if (this.#o.transport) {
      for (;;) {
        const batch = await this.#o.outbox.claimDue(this.#o.clock.now(), this.#o.leaseMs, this.#o.batchSize);
        if (batch.length === 0) break;
        await Promise.all(batch.map((m) => this.#deliver(m)));
        if (this.#stopped || batch.length < this.#o.batchSize) break;
      }
    }
    const now = this.#o.clock.now();
    if (now - this.#lastHousekeeping >= 60_000) {
      this.#lastHousekeeping = now;
      await this.#o.outbox.purge(now - this.#o.retentionMs);
      await this.#o.outbox.purgeCounts(now - OUTBOX_COUNTS_KEPT_MS);
      await this.#o.verifications.expire(now);
    }
  }

  async #deliver(message: OutboxMessage): Promise<void> {
    try {
      // The mailbox simulator's addresses are answered by Signet itself (their outcome is on the
      // message) and never handed to the relay; a message only to them is never queued at all.
      const simulated = new Set(message.simulated.map((s) => s.recipient));
      const to = message.recipients.filter((r) => !simulated.has(r));
      await this.#o.transport!.send({ from: message.envelopeFrom, to }, message.raw);
      await this.#o.outbox.markDelivered(message.messageId, this.#o.clock.now());
      this.#o.onDelivered?.(message);
    } catch (err) {
      const attempts = message.delivery.attempts + 1;
      const retry = !isPermanent(err) && attempts < this.#o.retry.maxAttempts;
      const next = retry ? this.#o.clock.now() + nextDelay(this.#o.retry, attempts) : null;
      await this.#o.outbox.markAttemptFailed(message.messageId, (err as Error).message ?? String(err), next);
      this.#o.onAttemptFailed?.(message, err, retry);
    }
  }
}
