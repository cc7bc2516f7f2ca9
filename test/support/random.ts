import { createHash } from 'node:crypto';
import type { Random } from '../../src/app/ports.ts';

/**
 * The Random port, deterministic: SHA-256 over the seed and a counter, so a test that names its seed
 * gets the same tokens, account ids and keys ids on every run, and two seeds give unrelated streams.
 * Never for anything but tests.
 */
export class SeededRandom implements Random {
  readonly #seed: string;
  #counter = 0;
  #buffer = Buffer.alloc(0);

  constructor(seed = 'signet-test') {
    this.#seed = seed;
  }

  bytes(length: number): Uint8Array {
    while (this.#buffer.length < length) {
      const block = createHash('sha256')
        .update(`${this.#seed}\0${this.#counter++}`)
        .digest();
      this.#buffer = Buffer.concat([this.#buffer, block]);
    }
    const out = new Uint8Array(this.#buffer.subarray(0, length));
    this.#buffer = this.#buffer.subarray(length);
    return out;
  }
}
