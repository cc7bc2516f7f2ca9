import type { ToAscii } from '../core/index.ts';
import type { Clock, KeySupply, Random, Store } from './ports.ts';

/** What every use case is given by the composition root. */
export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly keys: KeySupply;
  readonly toAscii: ToAscii;
}
