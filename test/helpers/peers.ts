import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Finding the real programs the tests compare Signet with. A missing peer skips its test with the
 * reason on a developer's machine, and fails the run in CI (`CI=true`), where `.ci/run` installs them.
 */
export function peerOrSkip(name: string, found: string | null, why: string): { skip: string | false } {
  if (found !== null) return { skip: false };
  if (process.env['CI'] === 'true') {
    throw new Error(`${name} is required in CI but missing: ${why}`);
  }
  const reason = `${name} not found (${why})`;
  process.stdout.write(`# skipping: ${reason}\n`);
  return { skip: reason };
}

function versionOf(bin: string): string | null {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20000 });
  if (result.status !== 0) return null;
  return `${result.stdout}${result.stderr}`.trim();
}

/** AWS CLI v2 from Debian's awscli package. */
export function findAwsCliV2(): string | null {
  const bin = '/usr/bin/aws';
  return existsSync(bin) && versionOf(bin)?.startsWith('aws-cli/2.') ? bin : null;
}

/** AWS CLI v1 (pip's awscli, here through pyenv) found on PATH. */
export function findAwsCliV1(): string | null {
  const candidates = spawnSync('bash', ['-c', 'type -ap aws'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const bin of candidates) {
    if (versionOf(bin)?.startsWith('aws-cli/1.')) return bin;
  }
  return null;
}

/** A python3 that can import the given modules. */
export function findPython(modules: readonly string[]): string | null {
  for (const bin of ['python3', '/usr/bin/python3']) {
    const result = spawnSync(bin, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
    if (result.status === 0) return bin;
  }
  return null;
}

export function run(bin: string, args: readonly string[], env: Record<string, string>): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(bin, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Like run, without blocking the event loop (for peers that talk to a server in this process). */
export function runAsync(bin: string, args: readonly string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}
