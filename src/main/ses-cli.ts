import { fstatSync, writeSync } from 'node:fs';
import type { Env } from '../config/config.ts';
import { HttpTransport } from '../cli/http-transport.ts';
import { runSes } from '../cli/run.ts';
import { SES_MODEL } from '../model/ses-model.generated.ts';

/**
 * Composition root of `signet ses ...`: the AWS-CLI-compatible command line (src/cli) wired to its
 * two ways of sending a request. With an endpoint configured, HTTP(S) and SigV4; without one, the
 * same signed form body goes in-process to the SES API handler over the embedded SQLite store in the
 * data folder, so no server and no credentials are needed. The embedded store's code is imported
 * only when it is used, to keep start-up short; the command line and the HTTP transport are static
 * imports, so that the bundler puts them in this module's own chunk (each further ES module file
 * costs start-up time), and the HTTP transport loads no node:http for plain http.
 */
export async function runSesCli(argv: readonly string[], env: Env): Promise<number> {
  return runSes(argv, {
    env,
    cwd: process.cwd(),
    stdout: (text) => writeToFd(1, text),
    stderr: (text) => writeToFd(2, text),
    // A getter: process.stdin builds a stream (and loads Node's stream modules, some 5 ms of the
    // start-up budget) on first use, and only auto-prompt asks.
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    stdoutIsTTY: isTerminal(1),
    get terminalColumns() {
      return (isTerminal(1) && process.stdout.columns) || 80;
    },
    embeddedTransport: async () => (await import('./embedded-transport.ts')).openEmbeddedTransport(env, SES_MODEL),
    httpTransport: async (options) => new HttpTransport(options),
    page: pipeToPager,
    prompt: askLine,
  });
}

/**
 * Writes to stdout or stderr with write(2), as Node's own streams do for files, pipes and terminals
 * on Linux (synchronously), without building process.stdout: that loads Node's stream modules, some
 * 2 ms of every start (bench/embedded-startup.mjs, bench/cli-startup.mjs). A reader that went away
 * (`| head`) ends the output quietly; a non-blocking descriptor that is full is written again.
 */
function writeToFd(fd: number, text: string): void {
  let data = Buffer.from(text, 'utf8');
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(fd, data));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return;
      throw err;
    }
  }
}

/** Whether a descriptor is a terminal; only a character device can be, so only then is node:tty (and its streams) loaded. */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return Boolean(fd === 1 ? process.stdout.isTTY : process.stderr.isTTY);
}

/** Writes the output through the pager (a shell command line, as the AWS CLI runs it). */
async function pipeToPager(command: string, text: string): Promise<boolean> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const env = { ...process.env };
    if (env['LESS'] === undefined) env['LESS'] = 'FRX';
    const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code !== 127));
    child.stdin.on('error', () => {});
    child.stdin.end(text);
  });
}

async function askLine(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
