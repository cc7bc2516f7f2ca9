/**
 * Storage backends under load: VerifyDomainDkim (new domains, pool filled beforehand) and
 * GetIdentityDkimAttributes, throughput and p99 latency, on PostgreSQL against SQLite (one node each),
 * and on one against three PostgreSQL nodes, all in the same run.
 *
 *   npm run build && node --import tsx bench/postgres-vs-sqlite.ts [--vdd 300] [--gida 4000] [--concurrency 16]
 *
 * The servers run in dev mode (`--dev`), so one Authorization header serves every request and the
 * client spends nothing on signing; SigV4's own cost is bench/sigv4-overhead.ts. The key pool of each
 * backend is filled from one set of real 1024-bit keys made at the start (key generation is not what
 * is measured here; bench/key-pool-refill.ts measures it). Needs PostgreSQL at 127.0.0.1:5432/test.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { PooledKey } from '../src/app/ports.ts';
import { generateDkimKeyPair } from '../src/dkim/generate-key-pair.ts';
import { dkimKeyContext, SecretBox } from '../src/secrets/secret-box.ts';
import { openPostgresStore } from '../src/storage/postgres/open-postgres-store.ts';
import { openSqliteStore } from '../src/storage/sqlite/open-sqlite-store.ts';
import { POSTGRES_URL } from '../test/helpers/postgres.ts';
import { signForm } from '../test/helpers/sign.ts';
import { startSignet, type RunningSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, percentile } from './stats.ts';

const { values } = parseArgs({
  options: { vdd: { type: 'string', default: '300' }, gida: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '16' } },
});
const VDD = Number(values.vdd);
const GIDA = Number(values.gida);
const CONCURRENCY = Number(values.concurrency);
const masterKey = randomBytes(32);
const box = new SecretBox(masterKey);
const env = { SIGNET_MASTER_KEY: masterKey.toString('base64') };

// One set of real keys, sealed under the master key every server gets.
const keysNeeded = VDD * 3 * 3 + 60;
console.log(`making ${keysNeeded} RSA-1024 keys for the pools...`);
const keys: PooledKey[] = [];
while (keys.length < keysNeeded) {
  const batch = await Promise.all(Array.from({ length: availableParallelism() * 2 }, () => generateDkimKeyPair(1024)));
  for (const pair of batch)
    keys.push({ bits: 1024, publicKey: pair.publicKey, sealedPrivateKey: box.seal(pair.privateKeyPem, dkimKeyContext(pair.publicKey)), createdAt: Date.now() });
}
let keyCursor = 0;
function takeKeys(n: number): PooledKey[] {
  const taken = keys.slice(keyCursor, keyCursor + n);
  keyCursor += n;
  return taken;
}

interface Setup {
  readonly name: string;
  readonly nodes: RunningSignet[];
  close(): Promise<void>;
}

async function sqliteSetup(): Promise<Setup> {
  const dir = tempDir('bench-sqlite');
  const store = await openSqliteStore(join(dir.path, 'signet.db'));
  await store.addPoolKeys(takeKeys(VDD * 3 + 20));
  await store.close();
  const node = await startSignet(
    ['--dev', '--data-dir', dir.path, '--key-bits', '1024', '--key-pool-size', '0', '--no-throttle', '--no-detection', '--log-level', 'warn'],
    env,
  );
  return {
    name: 'SQLite, 1 node',
    nodes: [node],
    close: async () => {
      await node.stop();
      dir.remove();
    },
  };
}

async function postgresSetup(count: number): Promise<Setup> {
  const schema = `signet_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  const store = await openPostgresStore({ url: POSTGRES_URL, schema });
  await store.addPoolKeys(takeKeys(VDD * 3 + 20));
  await store.close();
  const url = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const dirs = Array.from({ length: count }, () => tempDir('bench-pg'));
  const nodes = await Promise.all(
    dirs.map((d) =>
      startSignet(
        [
          '--dev',
          '--data-dir',
          d.path,
          '--database',
          url,
          '--key-bits',
          '1024',
          '--key-pool-size',
          '0',
          '--no-throttle',
          '--no-detection',
          '--log-level',
          'warn',
        ],
        env,
      ),
    ),
  );
  return {
    name: `PostgreSQL, ${count} node${count > 1 ? 's' : ''}`,
    nodes,
    close: async () => {
      for (const n of nodes) await n.stop();
      dirs.forEach((d) => d.remove());
      await admin.query(`drop schema "${schema}" cascade`);
      await admin.end();
    },
  };
}

async function load(setup: Setup, bodies: (i: number) => string, total: number): Promise<{ rate: number; p50: number; p99: number }> {
  const agents = setup.nodes.map(() => new Agent({ keepAlive: true, maxSockets: CONCURRENCY }));
  // Dev mode: any well-formed signature; one header set serves every body.
  const headers = await signForm(setup.nodes[0]!.url, 'x', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const node = i % setup.nodes.length;
        const body = bodies(i);
        const t = performance.now();
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(
            setup.nodes[node]!.url,
            { method: 'POST', agent: agents[node], headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        if (status !== 200) throw new Error(`${setup.name}: status ${status} for ${body}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agents.forEach((a) => a.destroy());
  return { rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const rows: Array<{ name: string; vdd: Awaited<ReturnType<typeof load>>; gida: Awaited<ReturnType<typeof load>> }> = [];
for (const make of [sqliteSetup, () => postgresSetup(1), () => postgresSetup(3)]) {
  const setup = await make();
  try {
    const tag = randomBytes(3).toString('hex');
    const vdd = await load(setup, (i) => `Action=VerifyDomainDkim&Version=2010-12-01&Domain=b${i}-${tag}.example.com`, VDD);
    const gida = await load(setup, (i) => `Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=b${i % VDD}-${tag}.example.com`, GIDA);
    rows.push({ name: setup.name, vdd, gida });
    console.log(
      `${setup.name}: VerifyDomainDkim ${fmt(vdd.rate, 0)}/s p50 ${fmt(vdd.p50)} ms p99 ${fmt(vdd.p99)} ms;` +
        ` GetIdentityDkimAttributes ${fmt(gida.rate, 0)}/s p50 ${fmt(gida.p50)} ms p99 ${fmt(gida.p99)} ms`,
    );
  } finally {
    await setup.close();
  }
}
const [sqlite, pg1, pg3] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
console.log(
  `ratios: PostgreSQL/SQLite (1 node) VerifyDomainDkim ${fmt(pg1.vdd.rate / sqlite.vdd.rate)}, GetIdentityDkimAttributes ${fmt(pg1.gida.rate / sqlite.gida.rate)};` +
    ` 3 nodes/1 node on PostgreSQL VerifyDomainDkim ${fmt(pg3.vdd.rate / pg1.vdd.rate)}, GetIdentityDkimAttributes ${fmt(pg3.gida.rate / pg1.gida.rate)}` +
    ` (${availableParallelism()} cores shared by client, nodes and PostgreSQL)`,
);
