import { runDueDetectionChecks, type DetectionDeps } from '../app/run-detection-check.ts';
import { PollingLoop, type PollingLoopOptions } from './polling-loop.ts';

export interface DetectionWorkerOptions extends PollingLoopOptions {
  /** Checks claimed and run at once (each makes up to four lookups). */
  readonly batchSize: number;
}

/**
 * The share of the event loop detection may keep busy while it has checks due (PollingLoopOptions
 * dutyCycle): half. Unpaced, a worker with many checks due (every domain after an hour's downtime,
 * or a million seeded at once) kept the loop 92% busy at a million identities, with its claims' and
 * write-backs' SQLite and its lookups' callbacks, and the DNS server in the same process answered
 * at a p50 of 30 ms and a p99 of 1.6 to 2.0 s (bench/detection-dns-latency.ts). Half still runs about 4x
 * the re-check load of a million verified domains (278 checks/s at the hourly cadence).
 */
export const DEFAULT_DETECTION_DUTY_CYCLE = 0.5;

/**
 * The detection loop: claims what is due, checks it, writes the results, and rests only when nothing
 * is left, or for its duty cycle after a round that did work. Several workers (processes or nodes)
 * may run it on one store; claims keep them apart.
 */
export class DetectionWorker {
  readonly #loop: PollingLoop;

  constructor(deps: DetectionDeps, options: DetectionWorkerOptions) {
    this.#loop = new PollingLoop(() => runDueDetectionChecks(deps, options.batchSize), {
      ...options,
      dutyCycle: options.dutyCycle ?? DEFAULT_DETECTION_DUTY_CYCLE,
    });
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops after the batch under way is written. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }
}
