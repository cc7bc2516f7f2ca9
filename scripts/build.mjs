// Bundles the TypeScript sources into dist/ with esbuild, so `./bin/signet` starts fast (one file to
// load, no TypeScript loader at run time). Runs on `npm ci` through the `prepare` script and before
// `npm test`, so a clean clone never needs a separate build command.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

// The version is written once, in package.json; src/cli/version.ts reads this constant.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const VERSION_DEFINE = { __SIGNET_VERSION__: JSON.stringify(version) };

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
  define: VERSION_DEFINE,
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
/** Like `packages: 'external'`, but the packages matching `bundled` go into the bundle. */
function externalPackagesExcept(bundled) {
  return {
    name: 'external-packages-except',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (bundled.test(args.path) ? undefined : { path: args.path, external: true }));
    },
  };
}
const ses = await build({
  entryPoints: { ses: 'src/main/ses-main.ts' },
  outfile: 'dist/ses.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // Packages stay in node_modules, except @noble/hashes (the CLI's SigV4 hashes): it ships only as
  // ES modules, and require()ing one from this CommonJS bundle would start Node's ES module loader,
  // the very cost this bundle exists to avoid.
  plugins: [lazyFromEsmBundle, externalPackagesExcept(/^@noble\/hashes\//)],
  // src/cli/builtins.ts falls back to createRequire(import.meta.url ?? __filename) on Node < 20.16.
  define: { 'import.meta.url': 'undefined', ...VERSION_DEFINE },
  // Less text for V8 to read and pre-parse on every start (names are kept: error classes and stack
  // traces still read as in the sources).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  write: false,
});
// bin/signet runs the bundle through node:vm with V8's code cache, where import() has no loader on
// Node 20: each import( becomes dynImp( (same length, so the source map still holds), a function
// bin/signet passes in.
for (const out of ses.outputFiles) {
  let text = out.text;
  if (out.path.endsWith('.cjs')) {
    if (/\bdynImp\b/.test(text)) throw new Error('dist/ses.cjs already uses the name dynImp');
    text = text.replace(/\bimport\(/g, 'dynImp(');
    // The build id that ties dist/ses.cjs.v8cache to this text (bin/signet).
    text += `// signet-build ${createHash('sha256').update(text).digest('hex')}\n`;
  }
  mkdirSync(dirname(out.path), { recursive: true });
  writeFileSync(out.path, text);
}
await writeCodeCache();

/**
 * Makes dist/ses.cjs.v8cache (see bin/signet): runs `signet ses verify-domain-dkim` once against a
 * local HTTP server that answers with a fixed VerifyDomainDkim response, so that the cache holds the
 * bundle and the functions a command uses, compiled. Not a test: only V8's compiler output is kept.
 */
async function writeCodeCache() {
  rmSync('dist/ses.cjs.v8cache', { force: true });
  const body =
    '<VerifyDomainDkimResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><VerifyDomainDkimResult><DkimTokens>' +
    '<member>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</member><member>bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb</member><member>cccccccccccccccccccccccccccccccc</member>' +
    '</DkimTokens></VerifyDomainDkimResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></VerifyDomainDkimResponse>';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(body));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const home = mkdtempSync(join(tmpdir(), 'signet-build-'));
  try {
    const env = { ...process.env, HOME: home, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_ACCESS_KEY_ID: 'AKIDBUILD', AWS_SECRET_ACCESS_KEY: 'build', AWS_REGION: 'us-east-1', AWS_PAGER: '', SIGNET_WRITE_CODE_CACHE: '1' };
    delete env.AWS_PROFILE;
    const args = ['bin/signet', 'ses', 'verify-domain-dkim', '--domain', 'example.com', '--endpoint-url', `http://127.0.0.1:${server.address().port}`];
    const result = await new Promise((resolve) => {
      execFile(process.execPath, args, { env }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
    });
    if (result.error || !result.stdout.includes('aaaaaaaa')) throw new Error(`the code cache run of bin/signet failed: ${result.stderr || result.error}`);
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}
