import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { SCALE_ZONE, tokenOf } from './scale-seed.ts';

/**
 * dnsperf's query files over a store bench/scale-seed.ts filled with `domains` domains (3 tokens
 * each), written into `dir`: a uniform mix over all tokens, and a skewed one (Zipf, s = 1). At most a
 * million questions each (dnsperf loops over the file).
 */
export async function writeScaleQueries(dir: string, domains: number): Promise<{ uniform: string; skewed: string }> {
  const tokens = 3 * domains;
  const queries = Math.min(tokens, 1_000_000);
  const uniform = join(dir, 'uniform.txt');
  const skewed = join(dir, 'skewed.txt');
  await writeQueries(uniform, queries, () => Math.floor(Math.random() * tokens));
  // Zipf, s = 1: rank r (1-based) with probability ~ 1/r, drawn by inverting the continuous
  // approximation of its distribution; ranks land on tokens through a fixed permutation
  // (multiplication by a prime coprime with the count), so the hot tokens are spread out.
  const prime = 1_000_003;
  await writeQueries(skewed, queries, () => {
    const rank = Math.min(tokens, Math.floor(Math.exp(Math.random() * Math.log(tokens + 1))));
    return ((rank - 1) * prime) % tokens;
  });
  return { uniform, skewed };
}

async function writeQueries(path: string, count: number, next: () => number): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let q = 0; q < count; q++) {
    chunk += `${tokenOf(next())}.${SCALE_ZONE} TXT\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
