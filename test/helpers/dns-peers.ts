import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promises as dns } from 'node:dns';

/** The path of a Debian program, or null when it is not installed. */
export function findProgram(name: string, paths: readonly string[] = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']): string | null {
  for (const dir of paths) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/**
 * The kernel's range of ephemeral ports (what listen(0) and outgoing connections are given): a port
 * picked for a DNS peer lies below it, so that no other test's connection or server is handed it
 * between the pick and the peer's bind (a CI run lost NSD's start to "Address already in use" so).
 */
function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return 49_152;
}

/**
 * Ports this process handed out: free when checked, but not bound yet by the peer they are for, so
 * a second pick in the same test (NSD's port, then BIND's) could otherwise be the same one.
 */
const handedOut = new Set<number>();

/** A loopback port free for both UDP and TCP when asked (DNS servers need both), below the ephemeral range. */
export async function freeDnsPort(): Promise<number> {
  const below = ephemeralPortsStart();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (below - 10_000));
    if (handedOut.has(port)) continue;
    const tcp = createServer();
    const tcpFree = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!tcpFree) continue;
    const udp = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port for DNS');
}

/** `dig` against a loopback server; returns its stdout. */
export function dig(bin: string, port: number, args: readonly string[]): string {
  const result = spawnSync(bin, ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { encoding: 'utf8', timeout: 20000 });
  if (result.status !== 0) throw new Error(`dig ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function waitForAnswer(port: number, name: string, deadlineMs: number, proc: ChildProcess, log: () => string): Promise<void> {
  const digBin = findProgram('dig');
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`DNS server exited with ${proc.exitCode}:\n${log()}`);
    const r = spawnSync(digBin ?? 'dig', ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=1', 'SOA', name], { encoding: 'utf8' });
    if (r.status === 0 && /status: NOERROR/.test(r.stdout)) return;
    await sleep(100);
  }
  throw new Error(`DNS server did not answer for ${name} on port ${port}:\n${log()}`);
}

export interface RunningDnsPeer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * NSD (Debian's nsd) serving the given zones from zone files written into `dir`, on a loopback port,
 * in the foreground, as the customer's authoritative DNS in tests.
 */
export async function startNsd(
  bin: string,
  dir: string,
  port: number,
  zones: Readonly<Record<string, string | { readonly path: string }>>,
  options: { readonly rateLimit?: boolean; readonly serverCount?: number; readonly readyTimeoutMs?: number } = {},
): Promise<RunningDnsPeer> {
  // NSD's response rate limiting (on by default) groups every NXDOMAIN of a zone into one bucket
  // (200/s): a benchmark asking thousands of absent names in one test zone must turn it off, or it
  // measures timeouts on dropped answers.
  const rrl = options.rateLimit === false ? '  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n' : '';
  const zoneBlocks = Object.entries(zones).map(([name, zone]) => {
    // A zone too large for a string (bench/scale.ts at 1M domains) is given as a file already written.
    if (typeof zone !== 'string') return `zone:\n  name: ${name}\n  zonefile: ${zone.path}\n`;
    writeFileSync(join(dir, `${name}.zone`), zone);
    return `zone:\n  name: ${name}\n  zonefile: ${name}.zone\n`;
  });
  const conf = join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    `server:
  ip-address: 127.0.0.1
  port: ${port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${join(dir, 'nsd.pid')}"
  database: ""
  zonelistfile: "${join(dir, 'zone.list')}"
  xfrdfile: "${join(dir, 'xfrd.state')}"
  xfrdir: "${dir}"
  server-count: ${options.serverCount ?? 1}
  verbosity: 1
  hide-version: yes
  reuseport: no
${rrl}remote-control:
  control-enable: no
${zoneBlocks.join('')}`,
  );
  const proc = spawn(bin, ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  await waitForAnswer(port, Object.keys(zones)[0]!, options.readyTimeoutMs ?? 15000, proc, () => log);
  return {
    port,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** A minimal zone file: SOA and NS at the apex, then the given lines (relative or absolute names). */
export function zoneFile(origin: string, lines: readonly string[]): string {
  return [
    `$ORIGIN ${origin}.`,
    '$TTL 5',
    `@ IN SOA ns1.${origin}. hostmaster.${origin}. 1 3600 600 86400 5`,
    `@ IN NS ns1.${origin}.`,
    'ns1 IN A 127.0.0.1',
    ...lines,
    '',
  ].join('\n');
}

/**
 * POSTs an SES Query request signed with SigV4 as botocore signs it (service `ses`), with test
 * credentials: `signet serve --dev` accepts any well-formed credentials as its local account.
 */
export async function sesCall(url: string, body: string, region = 'us-east-1'): Promise<string> {
  const target = new URL(url);
  const payload = `Version=2010-12-01&${body}`;
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' },
    region,
    service: 'ses',
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: '/',
    query: {},
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: target.host },
    body: payload,
  });
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host'));
  const response = await fetch(new URL('/', target), { method: 'POST', headers, body: payload });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`SES call ${body} answered ${response.status}: ${text}`);
  return text;
}

export async function dkimTokens(url: string, domain: string): Promise<string[]> {
  const xml = await sesCall(url, `Action=VerifyDomainDkim&Domain=${encodeURIComponent(domain)}`);
  return [...xml.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]!);
}

export async function dkimStatus(url: string, domain: string): Promise<string | undefined> {
  const xml = await sesCall(url, `Action=GetIdentityDkimAttributes&Identities.member.1=${encodeURIComponent(domain)}`);
  return /<DkimVerificationStatus>([A-Za-z]+)</.exec(xml)?.[1];
}

export async function verificationStatus(url: string, domain: string): Promise<string | undefined> {
  const xml = await sesCall(url, `Action=GetIdentityVerificationAttributes&Identities.member.1=${encodeURIComponent(domain)}`);
  return /<VerificationStatus>([A-Za-z]+)</.exec(xml)?.[1];
}

/** The DNS port `signet serve` printed. */
export function signetDnsPort(output: string): number {
  const match = /signet dns listening on [^\s]+:(\d+)/.exec(output);
  if (!match) throw new Error(`no DNS port in the server output:\n${output}`);
  return Number(match[1]);
}

/**
 * What a recursive resolver does for the verifier, on loopback only: the selector name is asked of
 * the customer's DNS (NSD), its CNAME is followed into the key zone, which Signet's server answers.
 */
export function chasingResolver(customerPort: number, signetPort: number, zone: string) {
  const customer = new dns.Resolver({ timeout: 1000, tries: 2 });
  customer.setServers([`127.0.0.1:${customerPort}`]);
  const keyZone = new dns.Resolver({ timeout: 1000, tries: 2 });
  keyZone.setServers([`127.0.0.1:${signetPort}`]);
  const forName = (name: string) => (name.toLowerCase().endsWith(`.${zone}`) ? keyZone : customer);
  return async (name: string, type: string): Promise<string[][]> => {
    if (type !== 'TXT') throw new Error(`the verifier asked for ${type}, only TXT is served here`);
    let target = name;
    for (let hops = 0; hops < 8; hops++) {
      try {
        [target] = (await forName(target).resolveCname(target)) as [string];
      } catch (err) {
        if ((err as { code?: string }).code !== dns.NODATA) throw err;
        return forName(target).resolveTxt(target);
      }
    }
    throw Object.assign(new Error('CNAME chain too long'), { code: 'ESERVFAIL' });
  };
}

/**
 * Runs a domain's detection check now through the dev control `/_signet/check`. The worker may be
 * checking the domain itself at that moment (it enrolls new identities at once): then the control
 * answers 409 check_in_progress, and is asked again once the worker's check is done.
 */
export async function checkNow(url: string, domain: string): Promise<{ dkimStatus?: string; error?: string }> {
  let body: { dkimStatus?: string; error?: string } = {};
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = await fetch(`${url}/_signet/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain }) });
    body = (await r.json()) as typeof body;
    if (r.status !== 409) break;
    await sleep(200);
  }
  return body;
}
