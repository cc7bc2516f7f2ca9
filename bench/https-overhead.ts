/**
 * What HTTPS costs the SES API: requests per second of one server with `--tls-cert`/`--tls-key`
 * against one on plain HTTP, in the same run, both verifying SigV4 on GetIdentityDkimAttributes.
 *
 *   npm run build && node --import tsx bench/https-overhead.ts [--seconds 3] [--rounds 7] [--connections 16]
 *
 * Load from wrk (keep-alive connections, as SDKs keep them: the handshake is paid once per
 * connection, then each request pays the record layer's encryption). Each round measures both
 * servers, in alternating order; the figure is the median of the rounds' ratios.
 * Goal: HTTPS keeps at least 0.8 of plain HTTP's rate (ratio >= 0.80).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selfSignedTls } from '../src/smtp/tls-material.ts';
import { signForm } from '../test/helpers/sign.ts';
import { startSignet, type RunningSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { fmt, median } from './stats.ts';
import { requireWrk, wrkLoad, wrkScript } from './wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '7' },
    connections: { type: 'string', default: '16' },
  },
});
requireWrk();
const body = 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=bench.example.com&Identities.member.2=other.example.com';

async function prepare(tls: boolean): Promise<{ server: RunningSignet; script: string; dir: { remove(): void } }> {
  const dir = tempDir(tls ? 'bench-https' : 'bench-http');
  const tlsArgs: string[] = [];
  if (tls) {
    // A 2048-bit RSA certificate, as most deployments present.
    await selfSignedTls(join(dir.path, 'cert'), 'localhost');
    copyFileSync(join(dir.path, 'cert', 'smtp-tls', 'cert.pem'), join(dir.path, 'cert.pem'));
    copyFileSync(join(dir.path, 'cert', 'smtp-tls', 'key.pem'), join(dir.path, 'key.pem'));
    tlsArgs.push('--tls-cert', join(dir.path, 'cert.pem'), '--tls-key', join(dir.path, 'key.pem'));
  }
  const server = await startSignet([
    '--data-dir',
    join(dir.path, 'data'),
    '--key-bits',
    '1024',
    '--key-pool-size',
    '6',
    '--no-throttle',
    '--no-detection',
    '--no-smtp',
    '--log-level',
    'warn',
    ...tlsArgs,
  ]);
  const key = server.credentials!;
  const saved = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
  // The set-up calls below trust the self-signed certificate (wrk does not verify certificates).
  process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
  try {
    for (const d of ['bench.example.com', 'other.example.com']) {
      const form = `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${d}`;
      const r = await fetch(server.url, { method: 'POST', headers: await signForm(server.url, form, key), body: form });
      if (r.status !== 200) throw new Error(await r.text());
    }
  } finally {
    if (saved === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = saved;
  }
  const request = { method: 'POST', path: '/', headers: await signForm(server.url, body, key), body };
  return { server, script: wrkScript(dir.path, 'request', request), dir };
}

const https = await prepare(true);
const http = await prepare(false);
const secure: number[] = [];
const plain: number[] = [];
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 === 1 ? ['https', 'http'] : ['http', 'https'];
    for (const which of order) {
      const target = which === 'https' ? https : http;
      (which === 'https' ? secure : plain).push(wrkLoad(target.server.url, target.script, values.seconds!, values.connections!));
    }
    console.log(`round ${round}: HTTPS ${fmt(secure.at(-1)!, 0)} req/s, HTTP ${fmt(plain.at(-1)!, 0)} req/s, ratio ${fmt(secure.at(-1)! / plain.at(-1)!)}`);
  }
} finally {
  await https.server.stop();
  await http.server.stop();
  https.dir.remove();
  http.dir.remove();
}
const ratio = median(secure.map((r, i) => r / plain[i]!));
console.log(
  `GetIdentityDkimAttributes (SigV4), ${values.connections} keep-alive connections, ${values.seconds} s x ${values.rounds} rounds: medians HTTPS ${fmt(median(secure), 0)} req/s,` +
    ` HTTP ${fmt(median(plain), 0)} req/s; median of the rounds' ratios ${fmt(ratio)} (goal >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
);
