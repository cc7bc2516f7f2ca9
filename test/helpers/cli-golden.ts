/**
 * Harness for replaying the AWS CLI v2 golden captures (test/fixtures/golden, copied from
 * shared/golden) against `./bin/signet`: case list in capture order, the captured command line and
 * environment, the sandbox that capture.sh builds, and the servers (the stub, moto).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden');
/** The `aws sesv2` captures (shared/golden-v2): same layout, their own stub and ports. */
export const GOLDEN_V2 = join(ROOT, 'test', 'fixtures', 'golden-v2');
export const SIGNET = join(ROOT, 'bin', 'signet');

export interface GoldenCase {
  readonly name: string;
  readonly argv: string[];
  /** `VAR=VALUE` to set and `unset VAR` entries, `<sandbox>` not yet substituted. */
  readonly envSet: [string, string][];
  readonly envUnset: string[];
  readonly exitCode: number;
  readonly stderr: string;
  readonly stdout: Buffer;
  readonly requests: { method: string; path: string; body: string; params: Record<string, string> }[] | null;
  readonly server: 'moto' | 'stub' | 'stubv' | 'tls' | 'none';
}

/** Undoes bash's `printf %q`: backslash escapes, '' and $'...' quoting. */
export function shellSplit(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\') {
      cur += line[++i] ?? '';
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, end);
      i = end;
    } else if (c === '$' && line[i + 1] === "'") {
      let j = i + 2;
      for (; line[j] !== "'"; j++) {
        if (line[j] === '\\') {
          const e = line[++j]!;
          cur += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else cur += line[j];
      }
      i = j;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      cur += line.slice(i + 1, end);
      i = end;
    } else cur += c;
  }
  if (inWord) out.push(cur);
  return out;
}

export function loadCases(dir = GOLDEN): GoldenCase[] {
  const GOLDEN = dir;
  const script = readFileSync(join(GOLDEN, 'capture.sh'), 'utf8');
  const names = [...script.matchAll(/^\s*cap ([A-Za-z0-9-]+)/gm)].map((m) => m[1]!);
  return names.map((name) => {
    const meta = readFileSync(join(GOLDEN, `${name}.meta`), 'utf8');
    const [head, stderr] = [meta.slice(0, meta.indexOf('\nstderr:\n')), meta.slice(meta.indexOf('\nstderr:\n') + 9)];
    const field = (k: string) =>
      head
        .split('\n')
        .find((l) => l.startsWith(`${k}: `))!
        .slice(k.length + 2);
    const argv = shellSplit(field('command')).slice(1);
    if (argv.length === 1 && argv[0] === '') argv.length = 0;
    const envSet: [string, string][] = [];
    const envUnset: string[] = [];
    const envText = field('env');
    if (envText !== '(base only)') {
      const tokens = envText.split(' ');
      for (let i = 0; i < tokens.length; i++) {
        if (tokens[i] === 'unset') envUnset.push(tokens[++i]!);
        else {
          const eq = tokens[i]!.indexOf('=');
          envSet.push([tokens[i]!.slice(0, eq), tokens[i]!.slice(eq + 1)]);
        }
      }
    }
    let requests: GoldenCase['requests'] = null;
    try {
      requests = readFileSync(join(GOLDEN, `${name}.requests.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as NonNullable<GoldenCase['requests']>[number]);
    } catch {
      requests = null;
    }
    const server = name.startsWith('moto-')
      ? 'moto'
      : name.startsWith('stubv-')
        ? 'stubv'
        : name.startsWith('stub-')
          ? 'stub'
          : name.startsWith('tls-')
            ? 'tls'
            : 'none';
    return {
      name,
      argv,
      envSet,
      envUnset,
      exitCode: Number(field('exit_code')),
      stderr,
      stdout: readFileSync(join(GOLDEN, `${name}.out`)),
      requests,
      server,
    };
  });
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export function havePython(): string | null {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function haveMoto(python: string): boolean {
  return spawnSync(python, ['-c', 'import moto.server'], { encoding: 'utf8' }).status === 0;
}

export interface Server {
  readonly port: number;
  readonly log: string | null;
  stop(): Promise<void>;
}

async function waitPort(port: number, child: ChildProcess): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`server on ${port} exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not come up`);
}

function track(child: ChildProcess, port: number, log: string | null): Server {
  return {
    port,
    log,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

export async function startStub(python: string, dir: string, name: string, extra: string[] = [], script = join(GOLDEN, 'stub_server.py')): Promise<Server> {
  const port = await freePort();
  const log = join(dir, `${name}.jsonl`);
  writeFileSync(log, '');
  const child = spawn(python, [script, '--port', String(port), '--log', log, ...extra], { stdio: 'ignore' });
  await waitPort(port, child);
  return track(child, port, log);
}

export async function startMoto(python: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitPort(port, child);
  return track(child, port, null);
}

export function readLog(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}

/** The sandbox capture.sh builds: HOME with the config files, a work dir, a self-signed cert. */
export function makeSandbox(): string {
  const sandbox = mkdtempSync(join(tmpdir(), 'signet-golden-'));
  const aws = join(sandbox, 'home', '.aws');
  mkdirSync(aws, { recursive: true });
  mkdirSync(join(sandbox, 'work'));
  writeFileSync(join(aws, 'empty-config'), '');
  writeFileSync(join(aws, 'config'), '[default]\noutput = table\n\n[profile dev]\nregion = eu-central-1\noutput = text\n\n[profile yamlprof]\noutput = yaml\n');
  writeFileSync(join(aws, 'credentials'), '');
  writeFileSync(
    join(aws, 'credentials-full'),
    '[dev]\naws_access_key_id = AKIDDEVPROFILE\naws_secret_access_key = devsecret\n\n[yamlprof]\naws_access_key_id = AKIDYAMLPROFILE\naws_secret_access_key = yamlsecret\n',
  );
  writeFileSync(join(sandbox, 'work', 'input.json'), '{"Domain": "example.org"}\n');
  writeFileSync(join(aws, 'config-ca'), `[default]\nca_bundle = ${join(sandbox, 'cert.pem')}\n`);
  writeFileSync(join(sandbox, 'work', 'msg.eml'), 'From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: hi\r\n\r\nbody\r\n');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(sandbox, 'key.pem'),
        '-out',
        join(sandbox, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  } catch {
    /* TLS cases are skipped without openssl */
  }
  return sandbox;
}

export function removeSandbox(sandbox: string): void {
  rmSync(sandbox, { recursive: true, force: true });
}

export interface RunResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `signet` like capture.sh ran `aws`: `env -i` with the fixed environment, stdin /dev/null. */
export function runSignet(argv: string[], env: Record<string, string>, cwd: string, timeoutMs = 150_000): Promise<RunResult> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [SIGNET, ...argv], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ status: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export function baseEnv(sandbox: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: join(sandbox, 'home'),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(sandbox, 'home', '.aws', 'empty-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(sandbox, 'home', '.aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    SIGNET_DATA_DIR: join(sandbox, 'signet-data'),
  };
}

/** The ports capture.sh used; the replays substitute the ports of their own servers. */
export const CAPTURE_PORTS: Readonly<Record<string, string>> = { moto: '18111', stub: '18112', stubv: '18113', tls: '18114' };
/** The ports golden-v2's capture.sh used. */
export const CAPTURE_PORTS_V2: Readonly<Record<string, string>> = { stub: '24112', stubv: '24113' };

/** Replaces the capture's `127.0.0.1:<port>` (or `:<port>`) by the replay's server ports. */
export function substitutePorts(text: string, ports: Readonly<Record<string, number>>, hostToo = true, captured = CAPTURE_PORTS): string {
  let v = text;
  for (const [name, p] of Object.entries(captured)) {
    if (ports[name] === undefined) continue;
    v = hostToo ? v.split(`127.0.0.1:${p}`).join(`127.0.0.1:${ports[name]}`) : v.split(`:${p}`).join(`:${ports[name]}`);
  }
  return v;
}

/** The case's environment as capture.sh built it: the base one, with its changes, for the replay's ports. */
export function caseEnv(c: GoldenCase, sandbox: string, ports: Readonly<Record<string, number>>, captured = CAPTURE_PORTS): Record<string, string> {
  const env = baseEnv(sandbox);
  for (const u of c.envUnset) delete env[u];
  for (const [k, v] of c.envSet) env[k] = substitutePorts(v.replace(/<sandbox>/g, sandbox), ports, false, captured);
  return env;
}

export function caseArgv(c: GoldenCase, ports: Readonly<Record<string, number>>, captured = CAPTURE_PORTS): string[] {
  return c.argv.map((a) => substitutePorts(a, ports, true, captured));
}

/** The captured stderr as signet must print it: `signet` for the program name, the replay's sandbox and ports. */
export function expectedStderr(c: GoldenCase, ports: Readonly<Record<string, number>>, sandbox: string, captured = CAPTURE_PORTS): string {
  const s = c.stderr
    .replace(/^usage: aws /gm, 'usage: signet ')
    .replace(/^ {2}aws /gm, '  signet ')
    .replace(/^aws: error: /gm, 'signet: error: ')
    .replace(/<sandbox>/g, sandbox)
    // Python's ssl module appends its C source position; Node has none.
    .replace(/ \(_ssl\.c:\d+\)/g, '');
  return substitutePorts(s, ports, true, captured);
}
