/**
 * The size of V8's young generation in Signet's server processes (`signet serve` and its DNS
 * workers): semi-spaces of at most 16 MB, a new space of 32 MB, which is what Node 20's V8 keeps.
 * Node 22 and 24 let a semi-space grow to 64 MB (a new space of 128 MB), and a DNS process that
 * answers tens of thousands of questions a second fills it: at a million domains on 2 cores
 * (bench/scale.ts --steps dns, which prints the heap's spaces from /metrics), Node 24 held 128 MB
 * of new space and 323 MB of resident memory after the DNS run, against 32 MB and 213 MB with this
 * cap, at the same rates (Zipf 76,510 against 75,520 q/s). With `--dns-workers N` each process pays
 * it, and issue 17's bound is 500 MB for them all. A size the operator gives (the flag, or in
 * NODE_OPTIONS) is kept.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=16';

/**
 * The commands run with the cap: `signet serve`, and `signet dns export`, which streams the whole
 * zone (1.3 GB at a million domains) through the young generation: on Node 24 a peak of 314 MB
 * resident (/usr/bin/time) against 196 MB with the cap, Node 20's 170 to 175 MB.
 */
export function needsYoungGenerationCap(argv: readonly string[]): boolean {
  return argv[0] === 'serve' || (argv[0] === 'dns' && argv[1] === 'export');
}

/** Whether a semi-space size was given already, on the command line or in NODE_OPTIONS. */
export function semiSpaceSizeGiven(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = (arg: string) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(arg);
  return execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given);
}

/** A child process's Node flags (a DNS worker's): the parent's, with the cap unless a size was given. */
export function withYoungGenerationCap(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  return semiSpaceSizeGiven(execArgv, nodeOptions) ? [...execArgv] : [...execArgv, YOUNG_GENERATION_FLAG];
}
