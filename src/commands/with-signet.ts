import type { CoreConfig } from '../config/config.ts';
import { createSignet, systemRuntime, type Signet, type SignetFeatures } from '../main/signet.ts';

/** Runs `work` over Signet built by the one composition root, and closes it however `work` ends. */
export async function withSignet<T>(config: CoreConfig, features: SignetFeatures, work: (signet: Signet) => Promise<T>): Promise<T> {
  const signet = await createSignet(config, systemRuntime, features);
  try {
    return await work(signet);
  } finally {
    await signet.close();
  }
}

/**
 * Output produced on a Signet that stays open while it is printed, closed after the last chunk (or
 * when printing stops). Opened on the first chunk asked for, so a store that cannot be opened fails
 * before anything is printed.
 */
export async function* streamWithSignet(config: CoreConfig, features: SignetFeatures, work: (signet: Signet) => AsyncIterable<string>): AsyncGenerator<string> {
  const signet = await createSignet(config, systemRuntime, features);
  try {
    yield* work(signet);
  } finally {
    await signet.close();
  }
}

/** The options every command on the store takes. */
export const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
} as const;

export const STORE_USAGE = '[--data-dir DIR | --database postgres://...]';
