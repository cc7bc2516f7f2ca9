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
  // cli-help: also loaded by dist/ses.cjs (below), so it needs a name of its own.
  entryPoints: { signet: 'src/commands/entry.ts', 'cli-help': 'src/cli/help.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Native addons and large optional drivers stay outside the bundle and are loaded from node_modules.
  // Kysely goes in: it ships as some 260 ES module files, and loading them one by one was most of
  // the embedded command line's start-up (bench/embedded-startup.mjs).
  plugins: [externalPackagesExcept(/^kysely(\/|$)/)],
  define: VERSION_DEFINE,
  logLevel: 'warning',
});

// `signet ses ...` again, as one CommonJS file that bin/signet require()s: Node starts a CommonJS
// entry about 8 ms sooner than an ES module one (no ESM loader, no asynchronous load per chunk), and
// the AWS-CLI-compatible command line has a start-up budget (bench/cli-startup.mjs). Its lazy parts
// stay lazy: esbuild wraps a dynamically imported module in an init function, with its require()s
// of packages inside. The largest lazy parts are not even parsed: the embedded store
// (src/main/embedded-transport.ts, with kysely and better-sqlite3: two thirds of the code) and the help pages
// (src/cli/help.ts, 50 KB of text) are imported from the ES module bundle. Neither throws the command
// line's error classes, so their being other copies there does not matter (instanceof).
const FROM_ESM_BUNDLE = { 'src/main/ses-cli.ts': ['./embedded-transport.ts', './embedded.cjs'], 'src/cli/run.ts': ['./help.ts', './cli-help.js'] };
const lazyFromEsmBundle = {
  name: 'lazy-from-esm-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/(embedded-transport|help)\.ts$/ }, (args) => {
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
/**
 * A CommonJS bundle that bin/signet runs through node:vm with V8's code cache (see there), where
 * import() has no loader on Node 20: each import( becomes dynImp( (same length, so the source map
 * still holds), a function bin/signet passes in. The build id on the last line ties the cache to the text.
 */
async function buildCachedBundle(entry, outfile, plugins) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    plugins,
    // src/cli/builtins.ts falls back to createRequire(import.meta.url ?? __filename) on Node < 20.16.
    define: { 'import.meta.url': 'undefined', ...VERSION_DEFINE },
    // Less text for V8 to read and pre-parse on every start (names are kept: error classes and stack
    // traces still read as in the sources).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    write: false,
  });
  for (const out of result.outputFiles) {
    let text = out.text;
    if (out.path.endsWith('.cjs')) {
      if (/\bdynImp\b/.test(text)) throw new Error(`${outfile} already uses the name dynImp`);
      // bin/signet reads the bundle as latin1, which is only right for ASCII (esbuild's default charset).
      if (!/^[\t\n\r\x20-\x7e]*$/.test(text)) throw new Error(`${outfile} is not ASCII`);
      text = text.replace(/\bimport\(/g, 'dynImp(');
      text += `// signet-build ${createHash('sha256').update(text).digest('hex')}\n`;
    }
    mkdirSync(dirname(out.path), { recursive: true });
    writeFileSync(out.path, text);
  }
}
// Packages stay in node_modules, except @noble/hashes (the CLI's SigV4 hashes): it ships only as
// ES modules, and require()ing one from this CommonJS bundle would start Node's ES module loader,
// the very cost this bundle exists to avoid.
await buildCachedBundle('src/main/ses-main.ts', 'dist/ses.cjs', [lazyFromEsmBundle, externalPackagesExcept(/^@noble\/hashes\//)]);
/**
 * node:crypto, loaded on first use: an object with a getter per export that require()s it then. Most
 * embedded calls (an existing domain's tokens, a listing) need no cryptography, and loading
 * node:crypto, with the stream modules it pulls in, costs about 3 ms of their ~45 ms start
 * (bench/embedded-startup.mjs). Modules must not touch node:crypto when they load (see
 * src/api/auth/sha256.ts); test/embedded-no-crypto.test.ts checks the command does without it.
 */
const lazyNodeCrypto = {
  name: 'lazy-node-crypto',
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, (args) =>
      args.namespace === 'lazy-node-crypto' ? { path: 'node:crypto', external: true } : { path: 'node:crypto', namespace: 'lazy-node-crypto' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-node-crypto' }, async () => {
      const names = Object.keys(await import('node:crypto')).filter((name) => name !== 'default');
      return {
        loader: 'js',
        // The getters sit on the prototype: esbuild's __toESM copies a module's own properties at every
        // importing module (a dozen of them, ~100 names each), but keeps its prototype.
        contents: `let crypto;\nconst lazy = {};\nfor (const name of ${JSON.stringify(names)}) Object.defineProperty(lazy, name, { get: () => (crypto ??= require('node:crypto'))[name] });\nmodule.exports = Object.create(lazy);\n`,
      };
    });
  },
};
// `signet ses` with no endpoint: the store, the use cases and the SES handler, in one CommonJS file
// with its own code cache, Kysely inside (its CommonJS build: some 260 files to load one by one
// otherwise). Loading it as ES modules cost more than the rest of the command (bench/embedded-startup.mjs).
// aws4 and nodemailer's address parser, small CommonJS packages it always loads, go in too (a file
// each fewer to find and read), and better-sqlite3 12's JavaScript (a dozen files; its native addon
// stays in node_modules, named by path: src/storage/sqlite/better-sqlite3.ts).
await buildCachedBundle('src/main/embedded-transport.ts', 'dist/embedded.cjs', [
  lazyNodeCrypto,
  externalPackagesExcept(/^(kysely(\/|$)|aws4(\/|$)|nodemailer\/lib\/addressparser|better-sqlite3$|@noble\/hashes\/)/),
]);
await writeCodeCache();

/**
 * Makes dist/ses.cjs.v8cache (see bin/signet): runs `signet ses verify-domain-dkim` once against a
 * local HTTP server that answers with a fixed VerifyDomainDkim response, so that the cache holds the
 * bundle and the functions a command uses, compiled. Not a test: only V8's compiler output is kept.
 */
async function writeCodeCache() {
  rmSync('dist/ses.cjs.v8cache', { force: true });
  rmSync('dist/embedded.cjs.v8cache', { force: true });
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
    const env = {
      ...process.env,
      HOME: home,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: 'AKIDBUILD',
      AWS_SECRET_ACCESS_KEY: 'build',
      AWS_REGION: 'us-east-1',
      AWS_PAGER: '',
      SIGNET_WRITE_CODE_CACHE: '1',
    };
    delete env.AWS_PROFILE;
    const args = ['bin/signet', 'ses', 'verify-domain-dkim', '--domain', 'example.com', '--endpoint-url', `http://127.0.0.1:${server.address().port}`];
    const result = await new Promise((resolve) => {
      execFile(process.execPath, args, { env }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
    });
    if (result.error || !result.stdout.includes('aaaaaaaa')) throw new Error(`the code cache run of bin/signet failed: ${result.stderr || result.error}`);
    // dist/embedded.cjs's cache: the README's first command on an existing data folder (the first run
    // makes the folder, with small keys to be quick; the second, the usual case, writes the cache).
    const embedded = { ...env, SIGNET_DATA_DIR: join(home, 'data'), SIGNET_KEY_BITS: '1024', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
    const local = ['bin/signet', 'ses', 'verify-domain-dkim', '--domain', 'example.com'];
    for (const write of ['', 'embedded.cjs']) {
      const r = await new Promise((resolve) => {
        execFile(process.execPath, local, { env: { ...embedded, SIGNET_WRITE_CODE_CACHE: write } }, (error, stdout, stderr) =>
          resolve({ error, stdout, stderr }),
        );
      });
      if (r.error || !r.stdout.includes('DkimTokens')) throw new Error(`the embedded code cache run of bin/signet failed: ${r.stderr || r.error}`);
    }
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}
