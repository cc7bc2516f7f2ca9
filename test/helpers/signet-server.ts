import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const SIGNET_BIN = join(REPO_ROOT, 'bin', 'signet');

export interface RunningSignet {
  readonly url: string;
  readonly port: number;
  /** The key pair `signet serve` created on the first start of its data folder, if it did. */
  readonly credentials: { accountId: string; accessKeyId: string; secretAccessKey: string } | null;
  /** The SMTP interface's ports (STARTTLS, implicit TLS), when it listens. */
  readonly smtp: { readonly starttlsPort: number | null; readonly tlsPort: number | null };
  readonly process: ChildProcess;
  /** Everything the server wrote on stdout and stderr so far. */
  output(): string;
  /** What it wrote on stdout alone (the JSON log stream and the `listening on` lines). */
  stdout(): string;
  /** What it wrote on stderr alone (the bootstrap key pair, shown once). */
  stderr(): string;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the built `bin/signet serve` on a free loopback port and waits until it listens; `nodeArgs` go to Node itself. */
export async function startSignet(args: readonly string[], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<RunningSignet> {
  // The key zone is required outside --dev, and the DNS server's default port (8553) would collide
  // between servers started in parallel: tests get a test zone and a free DNS port unless they say so.
  const dkimDefaults = [
    ...(args.includes('--dkim-zone') || args.includes('--dev') ? [] : ['--dkim-zone', 'dkim.signet.test']),
    ...(args.includes('--dns-port') ? [] : ['--dns-port', '0']),
    // Detection asks DNS about the test's domains: only with a resolver the test chose (loopback).
    ...(args.includes('--resolver') ? [] : ['--no-detection']),
    // The SMTP interface's default ports (2587, 2465) would collide too: free ports unless given.
    ...(args.includes('--smtp-port') || args.includes('--no-smtp') ? [] : ['--smtp-port', '0']),
    ...(args.includes('--smtps-port') || args.includes('--no-smtp') ? [] : ['--smtps-port', '0']),
  ];
  const child = spawn(process.execPath, [...nodeArgs, SIGNET_BIN, 'serve', '--port', '0', ...dkimDefaults, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    output += d;
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    output += d;
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started server behind a failed test.
      child.kill('SIGKILL');
      reject(new Error(`signet serve did not start within 30 s:\n${output}`));
    }, 30000);
    const look = () => {
      const match = /signet listening on (https?:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`signet serve exited with ${code}:\n${output}`));
    });
  });
  // The bootstrap secret is printed on stderr only, never into the log stream on stdout (issue 14).
  const created = /signet created account (\d{12}) with access key (AKIA[A-Z2-7]{16})\n\s+secret access key: (\S{40})/.exec(stderr);
  return {
    url,
    port: Number(new URL(url).port),
    credentials: created ? { accountId: created[1]!, accessKeyId: created[2]!, secretAccessKey: created[3]! } : null,
    smtp: {
      starttlsPort: Number(/signet smtp listening on smtp:\/\/\S+:(\d+)/.exec(output)?.[1] ?? NaN) || null,
      tlsPort: Number(/signet smtp listening on smtps:\/\/\S+:(\d+)/.exec(output)?.[1] ?? NaN) || null,
    },
    process: child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}

/**
 * Servers started together: all of them, or none. When one fails to start, those that did are stopped
 * before the error is thrown: left running, they would keep the test process alive (CI hung on this
 * when one of three nodes did not start).
 */
export async function startAll(starts: readonly Promise<RunningSignet>[]): Promise<RunningSignet[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) return settled.map((r) => (r as PromiseFulfilledResult<RunningSignet>).value);
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.stop() : null)));
  throw failed.reason;
}
