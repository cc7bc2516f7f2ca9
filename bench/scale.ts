/**
 * A million domains (issue 17): how every cost grows with the number of domain identities.
 *
 *   npm run build && node --import tsx bench/scale.ts [--domains 10000] [--engine sqlite|postgres]
 *     [--seconds 5] [--rounds 2] [--requests 400] [--detect-seconds 20] [--warmup-seconds 0]
 *
 * `--domains 10000` (the default) is the smoke run, a few minutes; `--domains 100000` and
 * `--domains 1000000` are the platform-scale runs. Steps, all in one run:
 * 1. `signet serve` once on an empty store (it makes the account and its key), then the seeder
 *    (bench/scale-seed.ts, a benchmark fixture) fills the store with N domains, 3 sealed keys each.
 * 2. `signet serve` again: start to ready (spawn to "signet listening on"), resident memory after
 *    start; the tables GetIdentityDkimAttributes reads, read into the page cache (API_TREES;
 *    `--cold` skips it), and the store file's share there (fincore); p50/p99 of SigV4-signed
 *    GetIdentityDkimAttributes, ListIdentities (first page, and a deep page at 90% of the identities)
 *    and VerifyDomainDkim for new domains (sequential requests on a keep-alive connection, signed
 *    before the clock starts), the trees its writes go into read in before it (VERIFY_TREES; `--cold`
 *    skips it).
 * 3. `signet dns export` (time and peak RSS from /usr/bin/time), NSD serving its output, and dnsperf
 *    against NSD and Signet alternately over two query mixes: uniform over all 3N tokens and skewed
 *    (Zipf, s = 1, over a random permutation of the tokens); RSS after the DNS run.
 * 4. Detection, in process, on the same store (its tables read into the page cache first,
 *    DETECTION_TREES; `--cold` skips it): the worker's own step (runDueDetectionChecks: claim a
 *    batch, look records up, lifecycle, write back) with a resolver that answers from memory (the
 *    records are what the seeder's names imply), on a clock an hour ahead so that every verified
 *    domain is due: the claim's cost and checks per second. The claim+write path is what grows with
 *    N; DNS resolution does not (bench/detection-checks.ts measures it against NSD). Needed rate:
 *    every domain once an hour (DEFAULT_DETECTION_POLICY.recheckIntervalMs); goal 3x that.
 * 5. Database size per identity.
 *
 * The first row says whether the kernel pages out cold page cache on its own (proactiveReclaim): the
 * benchmark machine does, and the DNS and API figures at 1M depend on it.
 *
 * Figures on a shared two-core machine are noisy: compare runs made in the same conditions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { DEFAULT_DETECTION_POLICY } from '../src/core/index.ts';
import type { DnsLookup } from '../src/core/dns-lookup.ts';
import type { DetectionStore, Resolver } from '../src/app/detection-ports.ts';
import { runDueDetectionChecks } from '../src/app/run-detection-check.ts';
import { UDP_SEND_QUEUE_FLAG } from '../src/main/udp-send-queue.ts';
import { loadMasterKey } from '../src/secrets/master-key.ts';
import { SecretBox } from '../src/secrets/secret-box.ts';
import { openStorage, SQLITE_FILE } from '../src/storage/open-storage.ts';
import type { Database } from '../src/storage/schema.ts';
import { postgresKysely } from '../src/storage/postgres/open-postgres-store.ts';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { findProgram, freeDnsPort, startNsd } from '../test/helpers/dns-peers.ts';
import { POSTGRES_URL } from '../test/helpers/postgres.ts';
import { postRaw, signForm, type AccessKey } from '../test/helpers/sign.ts';
import { SIGNET_BIN } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { runDnsperf } from './dnsperf.ts';
import { wrkLatency } from './wrk.ts';
import { domainOf, makeKeyPairs, SCALE_ZONE, seedDomains, seedPool, verificationTokenOf } from './scale-seed.ts';
import { writeScaleQueries } from './scale-queries.ts';
import { fmt, median, percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    domains: { type: 'string', default: '10000' },
    engine: { type: 'string', default: 'sqlite' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    requests: { type: 'string', default: '400' },
    'detect-seconds': { type: 'string', default: '20' },
    clients: { type: 'string', default: '4' },
    // dnsperf's -q for both servers (see runDnsperf): whether a rate is held by its misses' latency
    // shows as a rate that moves with it.
    outstanding: { type: 'string', default: '500' },
    // Seconds of the skewed mix sent to each server before the measured rounds, not counted (0: none).
    'warmup-seconds': { type: 'string', default: '0' },
    // Seeds into DIR and keeps it (or reuses what an earlier run seeded there): a 1M store takes
    // long to seed, and later runs measure the same store. Without it, a temporary folder.
    'data-dir': { type: 'string' },
    // Only fills --data-dir (to seed a large store while other work goes on).
    'seed-only': { type: 'boolean', default: false },
    // Which steps to measure (comma-separated: api, dns, detection), so that a run on a seeded
    // store holds the shared machine's benchmark lock no longer than the figure it is after.
    steps: { type: 'string', default: 'api,dns,detection' },
    // Another build's bin/signet (a checkout of an earlier commit, built), to measure a change
    // before and after on the same seeded store.
    'signet-bin': { type: 'string', default: SIGNET_BIN },
    // DNS processes on each side: Signet's --dns-workers and NSD's server-count (1 and 1 unless
    // given). On two cores a second process takes what the first leaves of the core dnsperf shares.
    'dns-workers': { type: 'string', default: '1' },
    'nsd-servers': { type: 'string', default: '1' },
    // Keys each Signet DNS process keeps in memory (its --dns-cache-keys; serve's default unless given).
    'dns-cache-keys': { type: 'string' },
    // How Signet reads keys not in its cache on SQLite (serve's --dns-key-reads; its default unless given).
    'dns-key-reads': { type: 'string' },
    // Measure on the store as it is in the page cache after seeding, without reading the API's
    // tables (API_TREES), VerifyDomainDkim's write trees (VERIFY_TREES), the DNS key lookup's table
    // or index and detection's tables (DETECTION_TREES) first.
    cold: { type: 'boolean', default: false },
  },
});
const N = Number(values.domains);
const steps = new Set(values.steps!.split(','));
const signetBin = values['signet-bin']!;
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
const REQUESTS = Number(values.requests);
const dnsperf = findProgram('dnsperf');
// The API latencies from wrk too, where it is installed (Debian package wrk), for this many seconds each.
const wrk = findProgram('wrk');
const WRK_SECONDS = 30;
const nsdBin = findProgram('nsd');
if (!dnsperf || !nsdBin) {
  console.error('needs dnsperf and nsd (Debian packages dnsperf, nsd)');
  process.exit(2);
}
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const data = values['data-dir'] !== undefined ? { path: values['data-dir'], remove() {} } : tempDir('bench-scale');
mkdirSync(data.path, { recursive: true, mode: 0o700 });
const SEEDED = join(data.path, 'scale-seeded.json');
interface Seeded {
  readonly domains: number;
  readonly engine: string;
  readonly accountId: string;
  readonly key: AccessKey;
  readonly databaseUrl: string | null;
}
const reused: Seeded | null = existsSync(SEEDED) ? (JSON.parse(readFileSync(SEEDED, 'utf8')) as Seeded) : null;
if (reused !== null && (reused.domains !== N || reused.engine !== values.engine)) {
  console.error(`${data.path} holds ${reused.domains} domains on ${reused.engine}, not ${N} on ${values.engine}`);
  process.exit(2);
}
const nsdDir = tempDir('bench-scale-nsd');
let databaseUrl: string | null = null;
let pgDatabase: string | null = null;
if (reused !== null) databaseUrl = reused.databaseUrl;
else if (engine === 'postgres') {
  // A database of its own (trust auth as the test server has it), dropped at the end.
  pgDatabase = `signet_scale_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${pgDatabase}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${pgDatabase}`;
  databaseUrl = url.toString();
}
const storeArgs = databaseUrl === null ? ['--data-dir', data.path] : ['--data-dir', data.path, '--database', databaseUrl];

interface Server {
  readonly url: string;
  readonly dnsPort: number;
  readonly proc: ChildProcess;
  readonly readyMs: number;
  readonly stderr: string;
  stop(): Promise<void>;
}

/** `signet serve`, timed from spawn to "signet listening on" (printed once every listener is up). */
async function serve(): Promise<Server> {
  const args = [signetBin, 'serve', '--port', '0', '--dns-port', '0', '--dkim-zone', SCALE_ZONE, ...storeArgs];
  // Response-rate limiting off here and in NSD: the skewed mix asks the hottest names thousands of
  // times a second, which both servers' RRL would (rightly) drop, and dnsperf would measure timeouts.
  args.push('--key-pool-size', '0', '--no-detection', '--no-smtp', '--no-throttle', '--dns-rrl-rate', '0', '--log-level', 'warn');
  args.push('--dns-workers', values['dns-workers']!);
  if (values['dns-cache-keys'] !== undefined) args.push('--dns-cache-keys', values['dns-cache-keys']);
  if (values['dns-key-reads'] !== undefined) args.push('--dns-key-reads', values['dns-key-reads']);
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  for (;;) {
    const url = /signet listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
    if (url) {
      const readyMs = performance.now() - t0;
      const dnsPort = Number(/signet dns listening on [^\s]+:(\d+)/.exec(out)![1]);
      return {
        url,
        dnsPort,
        proc,
        readyMs,
        stderr: err,
        async stop() {
          if (proc.exitCode !== null) return;
          proc.kill('SIGTERM');
          await once(proc, 'exit');
        },
      };
    }
    if (proc.exitCode !== null || performance.now() - t0 > 600_000) {
      proc.kill('SIGKILL');
      throw new Error(`signet serve did not start:\n${out}${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resident memory of a process and its children (the server and its DNS workers), in MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  let kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  for (const child of children === '' ? [] : children.split(/\s+/)) kb += rssMb(Number(child)) * 1024;
  return kb / 1024;
}

function openBenchDb(): Kysely<Database> {
  if (databaseUrl !== null) return postgresKysely(new pg.Pool({ connectionString: databaseUrl, max: 2 }));
  const sqlite = new BetterSqlite3(join(data.path, SQLITE_FILE));
  // The fixture's own connection only: a crash while seeding loses nothing worth keeping.
  sqlite.pragma('synchronous = OFF');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/**
 * Reads the DNS key lookup's table (migration 0019's slots) once, into the operating system's page cache:
 * as a server that has answered for a while has it, and as NSD holds its whole zone after loading
 * it. Seeding and `dns export` leave the 14 GB store at 1M partly outside the page cache, where a
 * cache miss's read waits for the disk: on the same store, 21,000 q/s cold against 35,000 read in
 * (skewed mix, one process). `--cold` measures without it.
 */
function warmKeyTable(): void {
  const t = performance.now();
  const sqlite = new BetterSqlite3(join(data.path, SQLITE_FILE), { readonly: true });
  try {
    sqlite.prepare('select count(*), sum(length("public_key")) from "dkim_key_slots"').get();
  } finally {
    sqlite.close();
  }
  row('key table read into the page cache', `${fmt((performance.now() - t) / 1000, 1)} s (--cold: not read)`);
}

/** Tables (with every index on them) and single indexes, by name. */
interface Trees {
  readonly tables: readonly string[];
  readonly indexes: readonly string[];
}

/**
 * warmKeyTable's counterpart on PostgreSQL: the index DNS misses read (migration 0018's, token with
 * the public key, 1.9 GB at 1M), read in as on a server that has answered for a while. Left outside
 * the page cache (the machine's pageout reclaims pages nobody read for some minutes), Signet's Zipf
 * rounds climbed from 6,861 to 46,529 q/s over three rounds (2026-12-04).
 */
const POSTGRES_KEY_INDEX: Trees = { tables: [], indexes: ['dkim_keys_token_public_key'] };

/**
 * The B-trees GetIdentityDkimAttributes reads (the identities table and its indexes, among them the
 * unique (account, region, name) one; 0017's token index; the external keys' table and its indexes),
 * each page once, into the operating system's page cache, as warmKeyTable does for DNS: a server that
 * has answered for a while has them there, and the 10k store is whole in memory, so that the 1.5x goal
 * compares query paths rather than how much of a 14 GB store seeding left in memory. At 1M the
 * store's pages not read for a while were found outside the page cache, each read a disk read:
 * GetIdentityDkimAttributes' p99 3.6 to 5.5 ms against 2.0 to 2.6 ms read in (2026-12-02), and on
 * PostgreSQL, after a SQLite run had filled the page cache with its own store, p50 1.49 and p99
 * 5.96 ms (2026-12-04). `--cold` measures without it.
 */
const API_TREES: Trees = { tables: ['identities', 'external_dkim_keys'], indexes: ['dkim_keys_identity_position_token'] };

/**
 * The B-trees a new domain's VerifyDomainDkim writes into at a place of their own rather than at
 * their end, besides the API's: each of its three keys goes into the token's unique index and, on
 * SQLite, into the DNS key table (migration 0019's slots, ordered by the token's bits) or, on
 * PostgreSQL, into the DNS key index (0018); and the key zone's journal (0012), whose triggers add
 * at its end and delete at its start. Its identity's row and indexes are the API's tables; its
 * detection check comes later, from the worker's claim (off here: --no-detection). Read in before
 * that measure, as on a server whose DNS has answered for a while (it reads those slots or that
 * index) and that has made keys before: at 10k all of them are in memory. Left out on SQLite at 1M,
 * each key's two leaf pages were disk reads, and VerifyDomainDkim's p50 / p99 were 1.64x and 1.53x
 * of 10k; read in, 1.02x and 1.21x in one run, 0.79x and 1.09x as medians of three (2026-12-05,
 * docs/performance-history.md). `--cold` measures without it.
 */
const VERIFY_TREES: Readonly<Record<typeof engine, Trees>> = {
  sqlite: { tables: ['dkim_key_slots', 'key_zone_changes'], indexes: ['sqlite_autoindex_dkim_keys_1'] },
  postgres: { tables: ['key_zone_changes'], indexes: ['dkim_keys_token_key', 'dkim_keys_token_public_key'] },
};

/**
 * The B-trees detection's claim and write-back read and write besides the API's (the due checks and
 * their indexes, each record's last result), read in for the same reason: a worker that has run for
 * an hour has touched every verified domain's rows. Cold on PostgreSQL (after a SQLite run), its
 * claims took 52 ms at the median and up to 2.5 s, and it checked 765 domains a second (2026-12-04).
 */
const DETECTION_TREES: Trees = {
  tables: ['detection_checks', 'detection_record_results', ...API_TREES.tables],
  indexes: API_TREES.indexes,
};

/**
 * Reads each page of these tables, their indexes and the named indexes once, on SQLite: dbstat visits
 * every page of the trees it is asked about (SQLite docs, "The DBSTAT Virtual Table").
 */
function warmSqliteTrees(what: string, trees: Trees): void {
  const t = performance.now();
  const sqlite = new BetterSqlite3(join(data.path, SQLITE_FILE), { readonly: true });
  let bytes = 0;
  try {
    const names = sqlite
      .prepare(
        `select name from sqlite_schema where type in ('table', 'index') and (tbl_name in (select value from json_each(?)) or name in (select value from json_each(?)))`,
      )
      .pluck()
      .all(JSON.stringify(trees.tables), JSON.stringify(trees.indexes)) as string[];
    const size = sqlite.prepare('select sum(pgsize) from dbstat where name = ?').pluck();
    for (const name of names) bytes += Number(size.get(name) ?? 0);
  } finally {
    sqlite.close();
  }
  row(`${what} read into the page cache`, `${fmt((performance.now() - t) / 1000, 1)} s, ${fmt(bytes / 2 ** 20, 0)} MB (--cold: not read)`);
}

/**
 * The same on PostgreSQL, with its own contrib module pg_prewarm, in its 'buffer' mode: each block
 * into PostgreSQL's shared buffers, read through the operating system's page cache, so that what
 * does not fit in shared_buffers (128 MB as Debian ships it) stays in the page cache, as on SQLite.
 * The row gives shared_buffers: it decides how much of a read PostgreSQL answers without a system call
 * (docs/going-live.md). Where pg_prewarm cannot be created (a server without contrib, a user who may
 * not), the measures run as they are and the row says so.
 */
async function warmPostgresTrees(url: string, what: string, trees: Trees): Promise<void> {
  const t = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create extension if not exists pg_prewarm');
    const { rows } = await client.query<{ mb: string; buffers: string; huge: string }>(
      `select current_setting('shared_buffers') as buffers, current_setting('huge_pages') as huge, coalesce(sum(pg_prewarm(c.oid, 'buffer')), 0) * current_setting('block_size')::bigint / 1048576.0 as mb
         from pg_class c
        where c.relnamespace = 'public'::regnamespace
          and (c.relname = any($1) or c.relname = any($2)
               or c.oid in (select i.indexrelid from pg_index i join pg_class t on t.oid = i.indrelid
                             where t.relnamespace = 'public'::regnamespace and t.relname = any($1)))`,
      [trees.tables, trees.indexes],
    );
    row(
      `${what} read into the page cache`,
      `${fmt((performance.now() - t) / 1000, 1)} s, ${fmt(Number(rows[0]!.mb), 0)} MB, shared_buffers ${rows[0]!.buffers}, huge_pages ${rows[0]!.huge}${hugePagesInUse()} (--cold: not read)`,
    );
  } catch (err) {
    row(`${what} read into the page cache`, `not read: ${(err as Error).message}`);
  } finally {
    await client.end();
  }
}

/**
 * The host's huge pages in use, as /proc/meminfo counts them (PostgreSQL 15 does not say whether
 * `huge_pages = try` got them; 17 has huge_pages_status): with shared_buffers mapped in 4 KB pages,
 * a DNS miss's read at a million domains cost PostgreSQL about three times the CPU, and Signet's uniform DNS
 * rate went from 21,859 to 36,218 q/s with huge pages (2026-12-05, docs/performance-history.md).
 */
function hugePagesInUse(): string {
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const used = (field('HugePages_Total') - field('HugePages_Free') + field('HugePages_Rsvd')) * field('Hugepagesize');
    return `, ${fmt(used / 1024, 0)} MB of huge pages taken on this host`;
  } catch {
    return '';
  }
}

/** Reads these trees in on this run's engine, unless `--cold`. */
async function warmTrees(what: string, trees: Trees): Promise<void> {
  if (values.cold) return;
  if (databaseUrl === null) warmSqliteTrees(what, trees);
  else await warmPostgresTrees(databaseUrl, what, trees);
}

/**
 * The share of the store file in the page cache, from util-linux's fincore where it is installed: the
 * figures at a million domains depend on it (see API_TREES).
 */
function pageCacheShare(): string {
  const out = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES,SIZE', join(data.path, SQLITE_FILE)], { encoding: 'utf8' });
  if (out.error !== undefined) return 'unknown (no fincore: Debian package util-linux)';
  const [res, size] = out.status === 0 ? out.stdout.trim().split(/\s+/).map(Number) : [];
  return res !== undefined && size ? `${fmt((100 * res) / size, 1)}% of the store file in the page cache` : `unknown (fincore: ${out.stderr.trim()})`;
}

/**
 * Whether the kernel pages out cold page cache on its own: a DAMON `pageout` scheme on physical
 * memory (`paddr`) run by a kdamond that is on, or the DAMON_RECLAIM module enabled. The benchmark
 * machine runs such a scheme, for pages no process maps that went unread for about a minute, which
 * takes a store's pages out of memory with gigabytes free, and the DNS and API figures at a million
 * domains with them (docs/performance-history.md, "Why").
 */
function proactiveReclaim(): string {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const list = (path: string) => {
    try {
      return readdirSync(path).filter((n) => /^\d+$/.test(n));
    } catch {
      return [];
    }
  };
  const root = '/sys/kernel/mm/damon/admin/kdamonds';
  const found: string[] = [];
  for (const d of list(root)) {
    if (read(join(root, d, 'state')) !== 'on') continue;
    const contexts = join(root, d, 'contexts');
    for (const c of list(contexts)) {
      if (read(join(contexts, c, 'operations')) !== 'paddr') continue;
      const schemes = join(contexts, c, 'schemes');
      if (list(schemes).some((n) => read(join(schemes, n, 'action')) === 'pageout')) found.push(`kdamond ${d}`);
    }
  }
  if (read('/sys/module/damon_reclaim/parameters/enabled') === 'Y') found.push('DAMON_RECLAIM');
  return found.length > 0 ? `DAMON pageout on (${found.join(', ')})` : 'no DAMON pageout found';
}

const rows: [string, string][] = [];
const row = (name: string, value: string) => {
  rows.push([name, value]);
  log(`${name}: ${value}`);
};

try {
  // 1. The account, then the seeded domains.
  log(`${N} domains on ${engine}`);
  row('kernel proactive reclaim', proactiveReclaim());
  let seeded = reused;
  let t0 = performance.now();
  const pairs = makeKeyPairs(8);
  if (seeded === null) {
    const first = await serve();
    await first.stop();
    const created = /signet created account (\d{12}) with access key (AKIA[A-Z2-7]{16})\n\s+secret access key: (\S{40})/.exec(first.stderr);
    if (!created) throw new Error(`no bootstrap key:\n${first.stderr}`);
    const accountId = created[1]!;
    const key: AccessKey = { accessKeyId: created[2]!, secretAccessKey: created[3]! };
    const db = openBenchDb();
    t0 = performance.now();
    await seedDomains(db, {
      accountId,
      region: 'us-east-1',
      count: N,
      box: new SecretBox(loadMasterKey(data.path, process.env['SIGNET_MASTER_KEY'])),
      pairs,
      perTransaction: 5000,
      // PostgreSQL: the key zone's trigger updates one counter row per key (migration 0002), and
      // thousands of updates of one row in one transaction slow down as its versions pile up: the
      // fixture does the trigger's work once per transaction instead.
      bulkKeyZoneJournal: engine === 'postgres',
      onProgress: (done) => {
        if (done % 100_000 === 0) log(`  seeded ${done}`);
      },
    });
    await db.destroy();
    row('seed (fixture)', `${fmt((performance.now() - t0) / 1000, 1)} s`);
    seeded = { domains: N, engine, accountId, key, databaseUrl };
    if (values['data-dir'] !== undefined) writeFileSync(SEEDED, JSON.stringify(seeded));
  } else {
    // A store seeded by an earlier build: this build's migrations (new indexes) are applied here,
    // so that start to ready below measures a start and not a migration.
    t0 = performance.now();
    const storage = await openStorage({ databaseUrl, dataDir: data.path });
    await storage.close();
    row('reused store; migrations', `${fmt((performance.now() - t0) / 1000, 1)} s`);
  }
  const key = seeded.key;
  if (values['seed-only']) {
    log(`seeded ${N} domains in ${data.path}`);
    nsdDir.remove();
    process.exit(0);
  }
  {
    // Ready keys for VerifyDomainDkim below, whatever earlier runs took.
    const db = openBenchDb();
    await seedPool(db, new SecretBox(loadMasterKey(data.path, process.env['SIGNET_MASTER_KEY'])), pairs, 3 * REQUESTS + 30);
    await db.destroy();
  }

  // 5 first (the store is as seeded): database size per identity.
  let dbBytes: number;
  if (databaseUrl === null) {
    const sqlite = new BetterSqlite3(join(data.path, SQLITE_FILE));
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.close();
    dbBytes = statSync(join(data.path, SQLITE_FILE)).size;
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('vacuum analyze');
    dbBytes = Number((await client.query('select pg_database_size(current_database()) as n')).rows[0].n);
    await client.end();
  }
  row('database size', `${fmt(dbBytes / 2 ** 20, 0)} MB, ${fmt(dbBytes / N, 0)} bytes per identity`);

  // 2. Start, memory, API latencies.
  const server = await serve();
  try {
    row('start to ready', `${fmt(server.readyMs, 0)} ms`);
    row('RSS after start', `${fmt(rssMb(server.proc.pid!), 0)} MB`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const latency = async (name: string, bodyOf: (k: number) => string, check: (body: string) => boolean, replayable = true) => {
      const action = /Action=(\w+)/.exec(bodyOf(0))![1]!;
      const before = await handlerHistogram(server.url, action);
      const times: number[] = [];
      for (let k = 0; k < REQUESTS; k++) {
        const body = bodyOf(k);
        const headers = await signForm(server.url, body, key);
        const start = performance.now();
        const r = await postRaw(server.url, headers, body, agent);
        times.push(performance.now() - start);
        if (r.status !== 200 || !check(r.body)) throw new Error(`${name}: ${r.status} ${r.body.slice(0, 500)}`);
      }
      // The first requests warm the connection and the statement caches.
      const kept = times.slice(Math.min(20, Math.floor(times.length / 10)));
      // The server's own view (signet_api_request_duration_seconds, the handler's time): tells a
      // slow server from a client or a machine that kept the request waiting to be scheduled.
      const after = await handlerHistogram(server.url, action);
      const count = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
      const within = (le: number) => ((after.get(le) ?? 0) - (before.get(le) ?? 0)) / count;
      const node = `p50 ${fmt(percentile(kept, 50))} ms, p99 ${fmt(percentile(kept, 99))} ms`;
      const handler = `in the handler: ${fmt(100 * within(0.001), 1)}% <= 1 ms, ${fmt(100 * within(0.005), 1)}% <= 5 ms`;
      if (!wrk || !replayable) return row(name, `${node} (Node client); ${handler}`);
      // The same requests from wrk (C): the Node client's own work and pauses (its HTTP stack, its
      // garbage collector) are part of the figures above, about 0.8 ms a request.
      const requests: { headers: Record<string, string>; body: string }[] = [];
      for (let k = 0; k < REQUESTS; k++) {
        const body = bodyOf(k);
        requests.push({ headers: await signForm(server.url, body, key), body });
      }
      const w = wrkLatency(server.url, nsdDir.path, action, requests, WRK_SECONDS);
      row(name, `p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms (wrk, ${w.count} requests); Node client ${node}; ${handler}`);
    };
    const pick = () => Math.floor(Math.random() * N);
    if (steps.has('api')) await apiLatencies();
    async function apiLatencies() {
      await warmTrees('API tables', API_TREES);
      if (databaseUrl === null) row('before the API measures', pageCacheShare());
      await latency(
        'GetIdentityDkimAttributes',
        () => `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=${domainOf(pick())}`,
        (b) => b.includes('<DkimTokens>'),
      );
      await latency(
        'ListIdentities first page',
        () => 'Action=ListIdentities&Version=2010-12-01&MaxItems=100',
        (b) => b.includes('<NextToken>'),
      );
      // Identity ids are 1..N in seeding order (the store was empty): a deep page starts at 90%.
      const deep = Buffer.from(`sig1:${Math.floor(N * 0.9)}:*`).toString('base64');
      await latency(
        'ListIdentities deep page',
        () => `Action=ListIdentities&Version=2010-12-01&MaxItems=100&NextToken=${encodeURIComponent(deep)}`,
        (b) => b.includes(`d${Math.floor(N * 0.9)}.scale.test`),
      );
      await warmTrees("VerifyDomainDkim's write trees", VERIFY_TREES[engine]);
      if (databaseUrl === null) row('before VerifyDomainDkim', pageCacheShare());
      const run = randomBytes(3).toString('hex');
      await latency(
        'VerifyDomainDkim (new domain)',
        (k) => `Action=VerifyDomainDkim&Version=2010-12-01&Domain=new-${run}-${k}.scale.test`,
        (b) => b.includes('<DkimTokens>'),
        false, // a replay finds the domain made: not a new domain's cost
      );
    }
    agent.destroy();

    // 3. DNS: export, NSD, dnsperf.
    if (steps.has('dns')) await dnsRates();
    async function dnsRates() {
      const zonePath = join(nsdDir.path, `${SCALE_ZONE}.zone`);
      const fd = openSync(zonePath, 'w');
      t0 = performance.now();
      const exported = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, signetBin, 'dns', 'export', '--dkim-zone', SCALE_ZONE, ...storeArgs], {
        stdio: ['ignore', fd, 'pipe'],
        encoding: 'utf8',
      });
      const exportMs = performance.now() - t0;
      closeSync(fd);
      if (exported.status !== 0) throw new Error(`signet dns export failed: ${exported.stderr}`);
      const exportRss = Number(/maxrss=(\d+)/.exec(exported.stderr)![1]) / 1024;
      row('dns export', `${fmt(exportMs / 1000, 2)} s, peak RSS ${fmt(exportRss, 0)} MB, ${fmt(statSync(zonePath).size / 2 ** 20, 0)} MB of zone file`);
      t0 = performance.now();
      const nsdPort = await freeDnsPort();
      const nsd = await startNsd(
        nsdBin!,
        nsdDir.path,
        nsdPort,
        { [SCALE_ZONE]: { path: zonePath } },
        { rateLimit: false, readyTimeoutMs: 900_000, serverCount: Number(values['nsd-servers']) },
      );
      row('NSD loads the export', `${fmt((performance.now() - t0) / 1000, 1)} s`);
      if (databaseUrl === null && !values.cold) warmKeyTable();
      if (databaseUrl !== null) await warmTrees('key index', POSTGRES_KEY_INDEX);
      if (databaseUrl === null) row('before the DNS rounds', pageCacheShare());
      try {
        const rates = { nsdU: [] as number[], signetU: [] as number[], nsdS: [] as number[], signetS: [] as number[] };
        if (Number(values['warmup-seconds']) > 0) {
          // A server that has answered for a while holds the hot keys in memory; one just started
          // fills its cache during the first round, which at 1M on SQLite ran 58,000 q/s against
          // 77,000 in the next two (2026-12-04). NSD loaded the whole zone before its first answer.
          // The warm-up puts both servers past their start before the rounds; it is not counted.
          const { skewed: warmFile } = await writeScaleQueries(data.path, N);
          const seconds = values['warmup-seconds']!;
          const nsdWarm = await runDnsperf(dnsperf!, nsdPort, warmFile, seconds, values.clients!, values.outstanding!);
          const signetWarm = await runDnsperf(dnsperf!, server.dnsPort, warmFile, seconds, values.clients!, values.outstanding!);
          row('DNS warm-up (skewed, not counted)', `${seconds} s each: Signet ${fmt(signetWarm, 0)} q/s, NSD ${fmt(nsdWarm, 0)} q/s`);
        }
        for (let round = 0; round < Number(values.rounds); round++) {
          // Fresh draws each round, the same for both servers: dnsperf reads a file from its start, and
          // one file for every round would ask the same questions again, which a cache large enough to
          // hold them all would answer from memory as no real traffic lets it.
          const { uniform: uniformFile, skewed: skewedFile } = await writeScaleQueries(data.path, N);
          log(`dnsperf round ${round + 1}`);
          rates.nsdU.push(await runDnsperf(dnsperf!, nsdPort, uniformFile, values.seconds!, values.clients!, values.outstanding!));
          rates.signetU.push(await runDnsperf(dnsperf!, server.dnsPort, uniformFile, values.seconds!, values.clients!, values.outstanding!));
          rates.nsdS.push(await runDnsperf(dnsperf!, nsdPort, skewedFile, values.seconds!, values.clients!, values.outstanding!));
          rates.signetS.push(await runDnsperf(dnsperf!, server.dnsPort, skewedFile, values.seconds!, values.clients!, values.outstanding!));
        }
        const u = median(rates.signetU) / median(rates.nsdU);
        const s = median(rates.signetS) / median(rates.nsdS);
        const cacheKeys = values['dns-cache-keys'] === undefined ? '' : ` --dns-cache-keys ${values['dns-cache-keys']}`;
        // The flag, else what serve takes from the environment (SIGNET_DNS_KEY_READS), else its default.
        const keyReads = ` --dns-key-reads ${values['dns-key-reads'] ?? (process.env['SIGNET_DNS_KEY_READS'] || 'thread')}`;
        // Whether serve runs with the UDP send queue (it adds the flag itself where Node can: udp-send-queue.ts).
        let sendQueue = '?';
        try {
          sendQueue = readFileSync(`/proc/${server.proc.pid}/cmdline`, 'utf8').split('\0').includes(UDP_SEND_QUEUE_FLAG) ? 'on' : 'off';
        } catch {
          // No /proc (not Linux): the row says '?'.
        }
        row(
          'DNS processes',
          `Signet --dns-workers ${values['dns-workers']}${cacheKeys}${keyReads}, UDP ${process.env['SIGNET_UDP_BATCH'] === '0' ? 'dgram (SIGNET_UDP_BATCH=0)' : 'batch socket where built'}, UDP send queue ${sendQueue}, NSD server-count ${values['nsd-servers']}; dnsperf -q ${values.outstanding}`,
        );
        row('DNS uniform', `Signet ${fmt(median(rates.signetU), 0)} q/s, NSD ${fmt(median(rates.nsdU), 0)} q/s: ${fmt(u)}x (goal >= 0.25)`);
        row('DNS skewed', `Signet ${fmt(median(rates.signetS), 0)} q/s, NSD ${fmt(median(rates.nsdS), 0)} q/s: ${fmt(s)}x (goal >= 0.50)`);
        row('RSS after DNS run', `${fmt(rssMb(server.proc.pid!), 0)} MB`);
        // The server process's share of it, as its heap has it (a DNS worker's heap is its own).
        row('server heap after DNS run', await heapBreakdown(server.url));
      } finally {
        await nsd.stop();
      }
    }
  } finally {
    await server.stop();
  }

  // 4. Detection, in process.
  if (steps.has('detection')) await detection();
  async function detection() {
    await warmTrees('detection tables', DETECTION_TREES);
    const storage = await openStorage({ databaseUrl, dataDir: data.path });
    try {
      const claims: number[] = [];
      const store: DetectionStore = {
        claimDueChecks: async (now, limit, leaseMs) => {
          const start = performance.now();
          const out = await storage.detection.claimDueChecks(now, limit, leaseMs);
          claims.push(performance.now() - start);
          return out;
        },
        claimDomain: (...a) => storage.detection.claimDomain(...a),
        completeChecks: (c) => storage.detection.completeChecks(c),
        getRecordChecks: (...a) => storage.detection.getRecordChecks(...a),
        overview: (...a) => storage.detection.overview(...a),
      };
      const ahead = 3_600_000;
      const deps = {
        store,
        resolver: memoryResolver(),
        clock: { now: () => Date.now() + ahead },
        zone: SCALE_ZONE,
        policy: DEFAULT_DETECTION_POLICY,
        leaseMs: 60_000,
      };
      const batch = 500;
      const until = performance.now() + Number(values['detect-seconds']) * 1000;
      let checked = 0;
      t0 = performance.now();
      while (performance.now() < until) {
        const n = await runDueDetectionChecks(deps, batch);
        if (n === 0) break;
        checked += n;
      }
      const rate = checked / ((performance.now() - t0) / 1000);
      const needed = N / (DEFAULT_DETECTION_POLICY.recheckIntervalMs / 1000);
      row('detection claim (batch 500)', `p50 ${fmt(median(claims), 1)} ms, max ${fmt(Math.max(...claims), 1)} ms over ${claims.length} claims`);
      row('detection (claim+write, memory resolver)', `${fmt(rate, 0)} checks/s; needed ${fmt(needed, 0)}/s: headroom ${fmt(rate / needed, 1)}x (goal >= 3)`);
    } finally {
      await storage.close();
    }
  }
} finally {
  data.remove();
  nsdDir.remove();
  if (pgDatabase !== null && values['data-dir'] === undefined) {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${pgDatabase} with (force)`);
    await admin.end();
  }
}

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
console.log(`\n${N} domain identities (${3 * N} keys), ${engine}, commit ${commit}, ${new Date().toISOString().slice(0, 10)}`);
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`| ${'measure'.padEnd(width)} | value |\n| ${'-'.repeat(width)} | ----- |`);
for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value} |`);

/** The server's /metrics text. */
function metricsText(url: string): Promise<string> {
  // A connection of its own: fetch's pooled one may have been closed by the server's keep-alive
  // timeout while wrk ran ("other side closed").
  return new Promise<string>((resolve, reject) => {
    get(`${url}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/**
 * The server process's V8 heap as /metrics gives it (prom-client's default metrics), in MB: what of
 * its resident memory is the young generation (new space), the old one, and memory outside the heap.
 */
async function heapBreakdown(url: string): Promise<string> {
  const text = await metricsText(url);
  const value = (pattern: RegExp) => {
    const line = text.split('\n').find((l) => pattern.test(l));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1)) / 2 ** 20;
  };
  const heap = value(/^signet_nodejs_heap_size_total_bytes /);
  const young = value(/^signet_nodejs_heap_space_size_total_bytes\{space="new"\} /);
  const old = value(/^signet_nodejs_heap_space_size_total_bytes\{space="old"\} /);
  const external = value(/^signet_nodejs_external_memory_bytes /);
  return `heap ${fmt(heap, 0)} MB (new space ${fmt(young, 0)}, old space ${fmt(old, 0)}), external ${fmt(external, 0)} MB; Node ${process.version}${process.env['NODE_OPTIONS'] ? ` NODE_OPTIONS=${process.env['NODE_OPTIONS']}` : ''}`;
}

/** The handler's latency histogram of one action, cumulative counts by upper bound (Infinity: all). */
async function handlerHistogram(url: string, action: string): Promise<Map<number, number>> {
  const text = await metricsText(url);
  const counts = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('signet_api_request_duration_seconds_bucket{') || !line.includes(`action="${action}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)![1]!;
    counts.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Every seeded domain's records as they should be: the CNAMEs to the key zone and the verification TXT. */
function memoryResolver(): Resolver {
  const absent: DnsLookup = { ok: false, error: 'NXDOMAIN' };
  const indexOf = (name: string): number | null => {
    const m = /(?:^|\.)d(\d+)\.scale\.test$/.exec(name);
    return m ? Number(m[1]) : null;
  };
  return {
    async cname(name) {
      const token = name.split('.')[0]!;
      return indexOf(name) === null ? absent : { ok: true, values: [`${token}.${SCALE_ZONE}`] };
    },
    async txt(name) {
      const i = indexOf(name);
      return i === null || !name.startsWith('_amazonses.') ? absent : { ok: true, values: [verificationTokenOf(i)] };
    },
    async mx() {
      return absent;
    },
  };
}
