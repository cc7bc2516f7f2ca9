import { runDueDetectionChecks, type DetectionDeps } from '../app/run-detection-check.ts';
import { PollingLoop, type PollingLoopOptions } from './polling-loop.ts';

export interface DetectionWorkerOptions extends PollingLoopOptions {
  /** Checks claimed and run at once (each makes up to four lookups). */
  readonly batchSize: number;
}

/**
 * The detection loop: claims what is due, checks it, writes the results, and rests only when nothing
 * is left. Several workers (processes or nodes) may run it on one store; claims keep them apart.
 */
export class DetectionWorker {
  readonly #loop: PollingLoop;

  constructor(deps: DetectionDeps, options: DetectionWorkerOptions) {
    this.#loop = new PollingLoop(() => runDueDetectionChecks(deps, options.batchSize), options);
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops after the batch under way is written. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }
}
