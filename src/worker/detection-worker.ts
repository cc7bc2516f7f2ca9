import { setTimeout as sleep } from 'node:timers/promises';
import { runDueDetectionChecks, type DetectionDeps } from '../app/run-detection-check.ts';

export interface DetectionWorkerOptions {
  /** How long to rest when nothing is due. */
  readonly pollMs: number;
  /** Checks claimed and run at once (each makes up to four lookups). */
  readonly batchSize: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * The detection loop: claims what is due, checks it, writes the results, and rests only when nothing
 * is left. Several workers (processes or nodes) may run it on one store; claims keep them apart.
 */
export class DetectionWorker {
  readonly #deps: DetectionDeps;
  readonly #options: DetectionWorkerOptions;
  readonly #wake = new AbortController();
  #running: Promise<void> | null = null;
  #stopping = false;

  constructor(deps: DetectionDeps, options: DetectionWorkerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops after the batch under way is written. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      let checked = 0;
      try {
        checked = await runDueDetectionChecks(this.#deps, this.#options.batchSize);
      } catch (err) {
        this.#options.onError?.(err);
      }
      if (checked < this.#options.batchSize && !this.#stopping) {
        await sleep(this.#options.pollMs, undefined, { signal: this.#wake.signal }).catch(() => {});
      }
    }
  }
}
