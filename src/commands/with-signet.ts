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

/** The options every command on the store takes. */
export const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
} as const;

export const STORE_USAGE = '[--data-dir DIR | --database postgres://...]';
