// Bundles the TypeScript sources into dist/ with esbuild, so `./bin/signet` starts fast (one file to
// load, no TypeScript loader at run time). Runs on `npm ci` through the `prepare` script and before
// `npm test`, so a clean clone never needs a separate build command.
import { build } from 'esbuild';

await build({
  // embedded and cli-help: also loaded by dist/ses.cjs (below), so they need names of their own.
  entryPoints: { signet: 'src/main/cli.ts', embedded: 'src/main/embedded.ts', 'cli-help': 'src/cli/help.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Native addons and large optional drivers stay outside the bundle and are loaded from node_modules.
  packages: 'external',
  logLevel: 'warning',
});

// `signet ses ...` again, as one CommonJS file that bin/signet require()s: Node starts a CommonJS
// entry about 8 ms sooner than an ES module one (no ESM loader, no asynchronous load per chunk), and
// the AWS-CLI-compatible command line has a start-up budget (bench/cli-startup.mjs). Its lazy parts
// stay lazy: esbuild wraps a dynamically imported module in an init function, with its require()s
// of packages inside. The largest lazy parts are not even parsed: the embedded store
// (src/main/embedded.ts, with kysely and better-sqlite3: two thirds of the code) and the help pages
// (src/cli/help.ts, 50 KB of text) are imported from the ES module bundle. Neither throws the command
// line's error classes, so their being other copies there does not matter (instanceof).
const FROM_ESM_BUNDLE = { 'src/main/ses-cli.ts': ['./embedded.ts', './embedded.js'], 'src/cli/run.ts': ['./help.ts', './cli-help.js'] };
const lazyFromEsmBundle = {
  name: 'lazy-from-esm-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/(embedded|help)\.ts$/ }, (args) => {
      const entry = Object.entries(FROM_ESM_BUNDLE).find(([importer, [path]]) => args.importer.endsWith(importer) && args.path === path);
      return entry && args.kind === 'dynamic-import' ? { path: entry[1][1], external: true } : undefined;
    });
  },
};
await build({
  entryPoints: { ses: 'src/main/ses-main.ts' },
  outfile: 'dist/ses.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  // src/cli/builtins.ts falls back to createRequire(import.meta.url ?? __filename) on Node < 20.16.
  define: { 'import.meta.url': 'undefined' },
  // Less text for V8 to read and pre-parse on every start (names are kept: error classes and stack
  // traces still read as in the sources).
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [lazyFromEsmBundle],
  logLevel: 'warning',
});
