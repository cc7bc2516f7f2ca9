import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import BetterSqlite3v12 from 'better-sqlite3';
import type BetterSqlite3Types from 'better-sqlite3';

/**
 * better-sqlite3 for the running Node.js: 12 on Node 20, 13 (package alias `better-sqlite3-13`) on
 * Node 22 and later. Every module opens SQLite through this one, never `better-sqlite3` directly.
 *
 * Why two: better-sqlite3 12 wraps its objects in `node::ObjectWrap`, whose Node 24 header registers
 * an environment cleanup hook per object and removes it in the destructor; when V8 collects a
 * Database or Statement (a PRAGMA's statement, say) that removal finds no current environment and
 * Node aborts (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook): `signet serve`
 * died on start-up on Node 24.21. better-sqlite3 13 moved to node-addon-api and does not, but it
 * needs Node 22 (it crashes on 20). Both have the same API. When Node 20 is dropped, 13 stays alone.
 */
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
export const BETTER_SQLITE3_PACKAGE = NODE_MAJOR >= 22 ? 'better-sqlite3-13' : 'better-sqlite3';

// `import.meta.url` in the ES module bundle and the sources; `__filename` in dist/embedded.cjs (CommonJS).
const requireHere = createRequire(import.meta.url ?? __filename);

// 12 is imported statically, so that dist/embedded.cjs (the embedded `signet ses`) carries its
// JavaScript, compiled into the bundle's code cache, instead of loading a dozen files on every start
// (bench/embedded-startup.mjs); 13 is required only where it runs.
export const BetterSqlite3: typeof BetterSqlite3Types = NODE_MAJOR >= 22 ? requireHere('better-sqlite3-13') : BetterSqlite3v12;

/**
 * Opens a database. On better-sqlite3 12 its native addon is named by path (`nativeBinding`): the
 * package's own search (the `bindings` package: a stack trace, then a stat of a dozen candidate paths)
 * costs the embedded command line about 1 ms, and from a bundle it would look beside the bundle, not
 * the package. 13 finds its addon without `bindings`.
 */
export function openBetterSqlite3(file: string, options: BetterSqlite3Types.Options = {}): BetterSqlite3Types.Database {
  const nativeBinding = NODE_MAJOR >= 22 ? undefined : addonOf12();
  return new BetterSqlite3(file, nativeBinding !== undefined ? { nativeBinding, ...options } : options);
}

/**
 * Where the driver for this Node.js is, for a thread that opens the store itself (a worker thread
 * loads its own copy of the module; see keyReadThread).
 */
export function betterSqlite3Location(): { module: string; nativeBinding: string | undefined } {
  return { module: requireHere.resolve(BETTER_SQLITE3_PACKAGE), nativeBinding: NODE_MAJOR >= 22 ? undefined : addonOf12() };
}

let addon12: string | null | undefined;
/** better-sqlite3 12's addon as `npm ci` builds it (Release, or Debug when so configured); else its own search. */
function addonOf12(): string | undefined {
  if (addon12 === undefined) {
    const inPackage = (dir: string) => ['Release', 'Debug'].map((build) => join(dir, 'build', build, 'better_sqlite3.node')).find((path) => existsSync(path));
    // Where require() looks first from dist/ (Signet's own node_modules), checked before resolving:
    // require.resolve reads the package's package.json and costs half a millisecond per start.
    const here = typeof __dirname === 'string' ? join(__dirname, '..', 'node_modules', 'better-sqlite3') : null;
    addon12 = (here !== null ? inPackage(here) : undefined) ?? inPackage(dirname(requireHere.resolve('better-sqlite3/package.json'))) ?? null;
  }
  return addon12 ?? undefined;
}

// The types, under the same name (a namespace of types only merges with the value above).
export declare namespace BetterSqlite3 {
  type Database = BetterSqlite3Types.Database;
  type Statement<BindParameters extends unknown[] | object = unknown[], Result = unknown> = BetterSqlite3Types.Statement<BindParameters, Result>;
}
