/**
 * SES v2 GetEmailIdentity against v1 GetIdentityDkimAttributes for the same domain, on the same
 * server (SigV4 on, throttling off) in the same run: requests per second under wrk, each request
 * signed once and replayed. Rounds alternate the order; the figure is the median of the rounds'
 * ratios v2/v1. Goal: at least 0.9.
 *
 *   npm run build && node --import tsx bench/sesv2-get-vs-v1.ts [--seconds 3] [--rounds 11] [--connections 16]
 */
import { parseArgs } from 'node:util';
import { callSigned, signForm } from '../test/helpers/sign.ts';
import { startSignet } from '../test/helpers/signet-server.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { signedV2 } from '../test/helpers/sign-v2.ts';
import { fmt, median } from './stats.ts';
import { requireWrk, wrkLoad, wrkScript } from './wrk.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '11' }, connections: { type: 'string', default: '16' } },
});
requireWrk();
const data = tempDir('bench-v2-get');
const server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '6', '--no-throttle', '--log-level', 'warn']);
const key = server.credentials!;
const v1: number[] = [];
const v2: number[] = [];
try {
  const created = await callSigned(server.url, 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=bench.example.com', key);
  if (created.status !== 200) throw new Error(created.body);
  const v1Body = 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=bench.example.com';
  const v1Script = wrkScript(data.path, 'v1', { method: 'POST', path: '/', headers: await signForm(server.url, v1Body, key), body: v1Body });
  const v2Script = wrkScript(data.path, 'v2', await signedV2(server.url, key, 'GET', '/v2/email/identities/bench.example.com'));
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 === 1 ? ['v1', 'v2'] : ['v2', 'v1'];
    for (const which of order) (which === 'v1' ? v1 : v2).push(wrkLoad(server.url, which === 'v1' ? v1Script : v2Script, values.seconds!, values.connections!));
    console.log(
      `round ${round}: v2 GetEmailIdentity ${fmt(v2.at(-1)!, 0)} req/s, v1 GetIdentityDkimAttributes ${fmt(v1.at(-1)!, 0)} req/s, ratio ${fmt(v2.at(-1)! / v1.at(-1)!)}`,
    );
  }
} finally {
  await server.stop();
  data.remove();
}
const ratio = median(v2.map((r, i) => r / v1[i]!));
console.log(
  `${values.connections} connections, ${values.seconds} s x ${values.rounds} rounds: medians v2 ${fmt(median(v2), 0)} req/s, v1 ${fmt(median(v1), 0)} req/s;` +
    ` median of the rounds' ratios v2/v1 ${fmt(ratio)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'})`,
);
