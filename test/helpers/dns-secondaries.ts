import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * NSD and BIND as secondaries of Signet's key zone (issue 19), run as ordinary processes on a loopback
 * port with their configuration in a temp folder. The configuration is what docs/secondaries.md shows
 * operators, less the paths and ports a test needs.
 */
export interface Secondary {
  readonly name: string;
  readonly port: number;
  /** Everything the server wrote so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface SecondarySettings {
  readonly zone: string;
  readonly port: number;
  readonly primaryPort: number;
  readonly key: { readonly name: string; readonly secret: string };
  /** More `server:` lines for NSD (e.g. `xfrd-reload-timeout: 0` in the benchmark). */
  readonly nsdServerOptions?: readonly string[];
}

function run(name: string, bin: string, args: readonly string[], port: number): Secondary {
  const proc: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  return {
    name,
    port,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** NSD (Debian's nsd) as a secondary: `request-xfr` from Signet with the TSIG key, NOTIFY allowed from it. */
export function startNsdSecondary(bin: string, dir: string, s: SecondarySettings): Secondary {
  const conf = join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    `server:
  ip-address: 127.0.0.1
  port: ${s.port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${join(dir, 'nsd.pid')}"
  database: ""
  zonelistfile: "${join(dir, 'zone.list')}"
  xfrdfile: "${join(dir, 'xfrd.state')}"
  xfrdir: "${dir}"
  server-count: 1
  verbosity: 2
  hide-version: yes
  reuseport: no
${(s.nsdServerOptions ?? []).map((o) => `  ${o}\n`).join('')}remote-control:
  control-enable: no
key:
  name: "${s.key.name}"
  algorithm: hmac-sha256
  secret: "${s.key.secret}"
zone:
  name: "${s.zone}"
  zonefile: "${s.zone}.zone"
  request-xfr: 127.0.0.1@${s.primaryPort} ${s.key.name}
  allow-notify: 127.0.0.1 ${s.key.name}
`,
  );
  return run('NSD', bin, ['-d', '-c', conf], s.port);
}

/** BIND 9 (Debian's bind9) as a secondary: `primaries` with the TSIG key; NOTIFY from a primary is accepted. */
export function startBindSecondary(bin: string, dir: string, s: SecondarySettings): Secondary {
  const conf = join(dir, 'named.conf');
  writeFileSync(
    conf,
    `options {
  directory "${dir}";
  pid-file "${join(dir, 'named.pid')}";
  session-keyfile "${join(dir, 'session.key')}";
  managed-keys-directory "${dir}";
  listen-on port ${s.port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "${s.key.name}" {
  algorithm hmac-sha256;
  secret "${s.key.secret}";
};
zone "${s.zone}" {
  type secondary;
  primaries port ${s.primaryPort} { 127.0.0.1 key "${s.key.name}"; };
  file "${join(dir, `${s.zone}.db`)}";
};
`,
  );
  const check = spawnSync(bin.replace(/named$/, 'named-checkconf'), [conf], { encoding: 'utf8' });
  if (check.status !== 0 && check.error === undefined) throw new Error(`named-checkconf: ${check.stdout}${check.stderr}`);
  return run('BIND', bin, ['-g', '-4', '-n', '1', '-c', conf], s.port);
}
