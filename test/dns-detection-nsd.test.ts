import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dkimStatus, dkimTokens, findProgram, freeDnsPort, sesCall, startNsd, verificationStatus, zoneFile, type RunningDnsPeer } from './helpers/dns-peers.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const nsdBin = findProgram('nsd');
const digBin = findProgram('dig');
const { skip } = peerOrSkip('nsd and dig', nsdBin && digBin, 'Debian packages nsd and dnsutils: NSD serves the customer zone');
const ZONE = 'dkim.amazonses.com'; // --dev's default key zone

/** `/_signet/check`, retried while the worker holds the domain (409). */
async function checkNow(
  url: string,
  domain: string,
): Promise<{ dkimStatus: string; verificationStatus: string; records: { name: string; verdict: string }[] }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${url}/_signet/check`, { method: 'POST', body: JSON.stringify({ domain }) });
    if (response.status === 409) {
      await sleep(50);
      continue;
    }
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as never;
  }
  throw new Error(`the check of ${domain} stayed busy`);
}

async function advanceClock(url: string, by: string): Promise<void> {
  const response = await fetch(`${url}/_signet/clock`, { method: 'POST', body: JSON.stringify({ advance: by }) });
  assert.equal(response.status, 200);
}

async function eventually(what: string, probe: () => Promise<boolean>, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('detection of the customer CNAMEs served by NSD', { skip }, () => {
  const data = tempDir('detect');
  const nsdDir = tempDir('nsd');
  let nsdPort: number;
  let nsd: RunningDnsPeer | null = null;
  let server: RunningSignet;
  const tokens: Record<string, string[]> = {};
  let verificationToken = '';

  const zones = (state: 'empty' | 'published' | 'good-removed'): Record<string, string> => {
    const cname = (domain: string, i: number, target?: string) =>
      `${tokens[domain]![i]}._domainkey.${domain}. IN CNAME ${target ?? `${tokens[domain]![i]}.${ZONE}.`}`;
    const records: Record<string, string[]> = {
      'good.example.test': [],
      'wrong.example.test': [],
      'twice.example.test': [],
      'txt.example.test': [],
    };
    if (state !== 'empty') {
      if (state === 'published') {
        records['good.example.test'] = [
          cname('good.example.test', 0),
          // Case and a missing trailing dot in a target written by hand do not matter (RFC 4343).
          cname('good.example.test', 1, `${tokens['good.example.test']![1]!.toUpperCase()}.DKIM.AmazonSES.com.`),
          cname('good.example.test', 2),
        ];
      }
      records['wrong.example.test'] = [
        cname('wrong.example.test', 0),
        cname('wrong.example.test', 1),
        cname('wrong.example.test', 2, `${tokens['wrong.example.test']![2]}.dkim.elsewhere.test.`),
      ];
      const twice = tokens['twice.example.test']!;
      records['twice.example.test'] = [
        // Written without the final dot in a console that appends the zone: the name gets it twice.
        `${twice[0]}._domainkey.twice.example.test IN CNAME ${twice[0]}.${ZONE}.`,
        `${twice[1]}._domainkey.twice.example.test. IN TXT "v=DKIM1; k=rsa; p=MIIB"`,
        cname('twice.example.test', 2),
      ];
      records['txt.example.test'] = [`_amazonses.txt.example.test. IN TXT "${verificationToken}"`];
    }
    return Object.fromEntries(Object.entries(records).map(([origin, lines]) => [origin, zoneFile(origin, lines)]));
  };

  const restartNsd = async (state: 'empty' | 'published' | 'good-removed' | 'down') => {
    await nsd?.stop();
    nsd = state === 'down' ? null : await startNsd(nsdBin!, nsdDir.path, nsdPort, zones(state));
  };

  before(async () => {
    nsdPort = await freeDnsPort();
    // The customer's DNS is up (with empty zones) before the domains exist: the first checks see NXDOMAIN.
    await restartNsd('empty');
    server = await startSignet([
      '--data-dir',
      data.path,
      '--no-throttle',
      '--dev',
      '--resolver',
      `127.0.0.1:${nsdPort}`,
      '--resolver-timeout',
      '500ms',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '9',
      '--check-interval',
      '300ms',
      '--check-poll',
      '100ms',
      '--log-level',
      'warn',
    ]);
    for (const domain of ['good.example.test', 'wrong.example.test', 'twice.example.test']) tokens[domain] = await dkimTokens(server.url, domain);
    const xml = await sesCall(server.url, 'Action=VerifyDomainIdentity&Domain=txt.example.test');
    verificationToken = /<VerificationToken>([^<]+)</.exec(xml)![1]!;
  });

  after(async () => {
    await nsd?.stop();
    await server?.stop();
    data.remove();
    nsdDir.remove();
  });

  it('reports Pending while the records are not published', async () => {
    assert.equal(await dkimStatus(server.url, 'good.example.test'), 'Pending');
    assert.equal((await checkNow(server.url, 'good.example.test')).dkimStatus, 'Pending');
    assert.equal(await dkimStatus(server.url, 'good.example.test'), 'Pending');
    assert.equal(await verificationStatus(server.url, 'good.example.test'), 'Pending');
  });

  it('turns Success (DKIM and verification) once NSD serves the three CNAMEs, found by the worker', async () => {
    await restartNsd('published');
    await eventually('good.example.test Success', async () => (await dkimStatus(server.url, 'good.example.test')) === 'Success');
    assert.equal(await verificationStatus(server.url, 'good.example.test'), 'Success');
    await eventually('txt.example.test verified by its TXT', async () => (await verificationStatus(server.url, 'txt.example.test')) === 'Success');
  });

  it('keeps a domain with one wrong CNAME Pending, and the doctor names the wrong record', async () => {
    const result = await checkNow(server.url, 'wrong.example.test');
    assert.equal(result.dkimStatus, 'Pending');
    assert.deepEqual(
      result.records.filter((r) => r.name.includes('_domainkey')).map((r) => r.verdict),
      ['ok', 'ok', 'points_elsewhere'],
    );
    assert.equal(await dkimStatus(server.url, 'wrong.example.test'), 'Pending');
    assert.equal(await verificationStatus(server.url, 'wrong.example.test'), 'Pending');

    const doctor = (domain: string) =>
      spawnSync(process.execPath, [SIGNET_BIN, 'dkim', 'doctor', domain, '--data-dir', data.path, '--dev', '--resolver', `127.0.0.1:${nsdPort}`], {
        encoding: 'utf8',
        timeout: 30000,
      });
    const wrong = doctor('wrong.example.test');
    assert.equal(wrong.status, 1, wrong.stderr);
    const t = tokens['wrong.example.test']!;
    assert.ok(wrong.stdout.includes(`points elsewhere: ${t[2]}._domainkey.wrong.example.test`), wrong.stdout);
    assert.ok(wrong.stdout.includes(`DNS answered   ${t[2]}.dkim.elsewhere.test`), wrong.stdout);
    assert.ok(wrong.stdout.includes(`ok: ${t[0]}._domainkey.wrong.example.test`), wrong.stdout);
    assert.ok(wrong.stdout.includes(`${t[2]}._domainkey.wrong.example.test. 1800 IN CNAME ${t[2]}.${ZONE}.`), 'zone-file lines to paste');

    const twice = doctor('twice.example.test');
    const w = tokens['twice.example.test']!;
    assert.ok(twice.stdout.includes(`domain appended twice: ${w[0]}._domainkey.twice.example.test`), twice.stdout);
    assert.ok(twice.stdout.includes(`TXT record where the CNAME belongs: ${w[1]}._domainkey.twice.example.test`), twice.stdout);
    assert.ok(twice.stdout.includes(`ok: ${w[2]}._domainkey.twice.example.test`), twice.stdout);

    const good = doctor('good.example.test');
    assert.equal(good.status, 0, good.stdout);
  });

  it('reports TemporaryFailure when the resolver cannot be reached', async () => {
    await restartNsd('down');
    assert.equal((await checkNow(server.url, 'wrong.example.test')).dkimStatus, 'TemporaryFailure');
    assert.equal(await dkimStatus(server.url, 'wrong.example.test'), 'TemporaryFailure');
  });

  it('after a success, vanished records go TemporaryFailure, then Failed past the grace period; a domain never found fails past the window', async () => {
    await restartNsd('good-removed');
    assert.equal((await checkNow(server.url, 'good.example.test')).dkimStatus, 'TemporaryFailure');
    assert.equal(await dkimStatus(server.url, 'good.example.test'), 'TemporaryFailure');
    assert.equal((await checkNow(server.url, 'wrong.example.test')).dkimStatus, 'Pending');

    await advanceClock(server.url, '73h');
    assert.equal((await checkNow(server.url, 'good.example.test')).dkimStatus, 'Failed');
    assert.equal((await checkNow(server.url, 'wrong.example.test')).dkimStatus, 'Failed');
    assert.equal(await dkimStatus(server.url, 'good.example.test'), 'Failed');
    assert.equal(await dkimStatus(server.url, 'wrong.example.test'), 'Failed');
    // Verification once granted stays; the DKIM CNAMEs had verified it.
    assert.equal(await verificationStatus(server.url, 'good.example.test'), 'Success');
  });
});
