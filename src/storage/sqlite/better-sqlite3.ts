import { createRequire } from 'node:module';
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
export const BetterSqlite3: typeof BetterSqlite3Types = createRequire(import.meta.url ?? __filename)(BETTER_SQLITE3_PACKAGE);

// The types, under the same name (a namespace of types only merges with the value above).
export declare namespace BetterSqlite3 {
  type Database = BetterSqlite3Types.Database;
  type Statement<BindParameters extends unknown[] | object = unknown[], Result = unknown> = BetterSqlite3Types.Statement<BindParameters, Result>;
}
