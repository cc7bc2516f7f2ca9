import { createRequire } from 'node:module';

/**
 * The Node built-ins the command line uses at start-up, as their CommonJS module objects.
 * `import { readFileSync } from 'node:fs'` in an ES module makes Node build a module namespace of
 * every export of node:fs, evaluating its lazy getters on the way; process.getBuiltinModule (Node
 * 20.16 and later) hands over the object as it is, which saves a few milliseconds per module of a
 * start-up budget of about 90. Older Node 20 releases require() them. (No top-level await: this
 * module is also bundled as CommonJS, into dist/ses.cjs.)
 */
type Fs = typeof import('node:fs');
type Os = typeof import('node:os');
type Path = typeof import('node:path');

/** A built-in module as its CommonJS object (see above), also for those loaded only when needed. */
export const builtinModule: (id: string) => unknown =
  (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.bind(process) ?? createRequire(import.meta.url ?? __filename);

export const fs = builtinModule('node:fs') as Fs;
export const os = builtinModule('node:os') as Os;
export const path = builtinModule('node:path') as Path;
