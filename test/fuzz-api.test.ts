import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { normalizeDomain, normalizeEmail } from '../src/core/index.ts';
import { toAsciiDomain } from '../src/main/to-ascii.ts';
import { postRaw, signForm } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const REQUESTS = 10_000;
const SEED = Number(process.env['SIGNET_FUZZ_SEED'] ?? 20261127);

/** mulberry32: a small seeded PRNG, so that a failing run can be repeated with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  'VerifyDomainDkim',
  'VerifyDomainIdentity',
  'VerifyEmailIdentity',
  'VerifyEmailAddress',
  'ListIdentities',
  'DeleteIdentity',
  'GetIdentityDkimAttributes',
  'SetIdentityDkimEnabled',
  'GetIdentityVerificationAttributes',
  'GetIdentityMailFromDomainAttributes',
  'GetSendQuota',
  'SendEmail',
  'Bogus',
  '',
  'verifydomaindkim',
];
const CREATING = new Set(['VerifyDomainDkim', 'VerifyDomainIdentity', 'VerifyEmailIdentity', 'VerifyEmailAddress']);

describe(`API fuzz: ${REQUESTS} generated requests (seed ${SEED})`, () => {
  const data = tempDir('fuzz');
  let server: RunningSignet;
  before(async () => {
    server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '90', '--no-throttle', '--log-level', 'error']);
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  it('never answers 5xx, stays up, and no failed request leaves an identity behind', async () => {
    const random = prng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const key = server.credentials!;
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const validDomains = Array.from({ length: 25 }, (_, i) => `fz${i}.example.com`);
    const randomText = (max: number) => {
      const kind = int(4);
      const length = int(max);
      let out = '';
      for (let i = 0; i < length; i++) {
        out +=
          kind === 0
            ? String.fromCharCode(0x21 + int(94))
            : kind === 1
              ? String.fromCharCode(int(0x3000))
              : kind === 2
                ? pick(['a', '.', '-', '@', '_', ' ', 'ü', '\u0000', '%'])
                : pick(['ab', 'xn--', '.com', '..', 'EXAMPLE']);
      }
      return out;
    };
    const name = () => (random() < 0.55 ? pick(validDomains) : random() < 0.5 ? `${randomText(12)}@${pick(validDomains)}` : randomText(40));
    const enc = (s: string) => (random() < 0.9 ? encodeURIComponent(s) : s); // sometimes not encoded at all

    const okNames = new Set<string>();
    const statuses = new Map<number, number>();
    let index = 0;
    const one = async () => {
      const action = pick(ACTIONS);
      const parts: string[] = [];
      if (random() < 0.97) parts.push(`Action=${action}`);
      if (random() < 0.9) parts.push(`Version=${random() < 0.97 ? '2010-12-01' : randomText(10)}`);
      const domain = name();
      if (random() < 0.9) parts.push(`Domain=${enc(domain)}`);
      if (random() < 0.5) parts.push(`EmailAddress=${enc(`${pick(['me', 'x.y', 'ü', ''])}@${domain}`)}`);
      if (random() < 0.5) parts.push(`Identity=${enc(domain)}`);
      const members = int(4) === 0 ? 100 + int(5) : int(4);
      for (let i = 1; i <= members; i++) parts.push(`Identities.member.${random() < 0.95 ? i : int(5)}=${enc(name())}`);
      if (random() < 0.3) parts.push(`DkimEnabled=${pick(['true', 'false', 'TRUE', '1', ''])}`);
      if (random() < 0.3) parts.push(`MaxItems=${pick(['1', '2', '0', '1000', '1001', '-1', 'x', '99999999999'])}`);
      if (random() < 0.2) parts.push(`NextToken=${enc(randomText(30))}`);
      if (random() < 0.2) parts.push(`IdentityType=${pick(['Domain', 'EmailAddress', 'Bogus', ''])}`);
      if (random() < 0.05) parts.push(parts[int(parts.length)] ?? 'x=y'); // a duplicated parameter
      if (random() < 0.05) parts.push(`%${randomText(3)}=%FF%FE`); // broken encodings
      for (let i = parts.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      }
      let body = Buffer.from(parts.join('&'), 'latin1');
      const signedBody = body;
      let headers: Record<string, string> = await signForm(server.url, signedBody, key, pick(['us-east-1', 'us-east-1', 'eu-west-1']));
      const mutation = int(18); // 7 of 18 requests are tampered with after signing
      if (mutation === 0 && body.length > 0) {
        body = Buffer.from(body);
        body[int(body.length)] = int(256); // a byte flipped after signing
      } else if (mutation === 1) {
        body = body.subarray(0, int(body.length + 1)); // truncated after signing
      } else if (mutation === 2) {
        // Header values must be printable for Node's client to send them at all.
        headers = {
          ...headers,
          authorization: pick(['AWS4-HMAC-SHA256 ', 'AWS ', '']) + Array.from({ length: int(120) }, () => String.fromCharCode(0x20 + int(95))).join(''),
        };
      } else if (mutation === 3) {
        const { authorization: _a, ...rest } = headers;
        headers = rest;
      } else if (mutation === 4) {
        headers = { ...headers, 'x-amz-date': pick(['20000101T000000Z', 'garbage', '', '29991231T235959Z']) };
      } else if (mutation === 5) {
        headers = { ...headers, authorization: headers['authorization']!.replace(/Signature=[0-9a-f]{8}/, 'Signature=00000000') };
      } else if (mutation === 6) {
        headers = { ...headers, 'content-type': pick(['application/json', 'text/plain; charset=latin1', 'multipart/form-data']) };
      }
      headers['content-length'] = String(body.length);
      const response = await postRaw(server.url, headers, body, agent);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      assert.ok(response.status < 500, `5xx for ${JSON.stringify(body.toString('latin1')).slice(0, 300)}: ${response.body}`);
      if (response.status === 200 && CREATING.has(action)) {
        // The identity a successful request created, in its normal form.
        const form = new URLSearchParams(body.toString('latin1'));
        const input = form.get(action.startsWith('VerifyEmail') ? 'EmailAddress' : 'Domain')!;
        okNames.add(action.startsWith('VerifyEmail') ? normalizeEmail(input, toAsciiDomain).name : normalizeDomain(input, toAsciiDomain));
      }
    };
    const workers = Array.from({ length: 8 }, async () => {
      while (index < REQUESTS) {
        index += 1;
        await one();
      }
    });
    await Promise.all(workers);
    agent.destroy();
    process.stdout.write(`# statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    assert.ok((statuses.get(200) ?? 0) > 500, 'a fair share of the requests were valid');
    assert.ok((statuses.get(403) ?? 0) > 1000, 'and a fair share failed authentication');

    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200, 'the server is still up');
    assert.equal(server.process.exitCode, null);

    const db = new BetterSqlite3(join(data.path, 'signet.db'), { readonly: true });
    const names = (db.prepare('SELECT name FROM identities').all() as Array<{ name: string }>).map((r) => r.name);
    const keyless = db
      .prepare("SELECT i.name FROM identities i WHERE i.dkim_status <> 'NotStarted' AND (SELECT count(*) FROM dkim_keys k WHERE k.identity_id = i.id) <> 3")
      .all();
    db.close();
    for (const n of names) assert.ok(okNames.has(n), `identity ${JSON.stringify(n)} exists but no request that created it succeeded`);
    assert.deepEqual(keyless, [], 'every DKIM identity has exactly three keys');
  });
});
