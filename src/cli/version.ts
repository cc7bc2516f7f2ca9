import { readFileSync } from 'node:fs';

// Set by scripts/build.mjs (esbuild `define`) from package.json's version, so the bundles carry it as
// a literal and `signet ses` reads no file for it at start-up (bench/cli-startup.mjs: 0.35 ms of a ~35 ms budget).
declare const __SIGNET_VERSION__: string | undefined;

/**
 * Signet's version: package.json's `version`, the one place it is written. Printed by `signet version`,
 * `signet --version`, `signet ses --version` and sent in the command line's User-Agent. Run from the
 * sources (tsx: tests, benchmarks) there is no build step, so it is read from package.json.
 */
export const SIGNET_VERSION: string =
  typeof __SIGNET_VERSION__ === 'string'
    ? __SIGNET_VERSION__
    : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
