// Bundles the TypeScript sources into dist/ with esbuild, so `./bin/signet` starts fast (one file to
// load, no TypeScript loader at run time). Runs on `npm ci` through the `prepare` script and before
// `npm test`, so a clean clone never needs a separate build command.
import { build } from 'esbuild';

await build({
  entryPoints: { signet: 'src/main/cli.ts' },
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
