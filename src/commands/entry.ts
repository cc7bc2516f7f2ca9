import { isSesCommandLine } from '../cli/global-options.ts';
import { restartWithServerFlags } from '../main/server-node-flags.ts';
import type { CommandIo } from './run-command.ts';

/**
 * The entry of `signet` (dist/signet.js; bin/signet goes straight to dist/ses.cjs for `signet ses`):
 * picks the command and loads only its code, so that start-up stays short.
 */
async function main(argv: string[]): Promise<number> {
  const io: CommandIo = {
    // Back-pressure for streamed output: a pipe to a slow reader must not fill this process's memory.
    stdout: (chunk) => (process.stdout.write(chunk) ? undefined : new Promise<void>((resolve) => process.stdout.once('drain', resolve))),
    stderr: (chunk) => process.stderr.write(chunk),
  };
  if (isSesCommandLine(argv)) {
    const { runSesCli } = await import('../main/ses-cli.ts');
    return runSesCli(argv, process.env);
  }
  if (argv[0] === '_dns-worker') {
    // Internal: a DNS worker process of `signet serve --dns-workers N` (src/main/dns-workers.ts).
    const { runDnsWorker } = await import('../main/dns-worker.ts');
    return runDnsWorker(process.env);
  }
  // Before any other module loads: V8 sizes the heap, and Node reads its options, when the process starts.
  restartWithServerFlags(argv);
  if (argv.length === 1 && argv[0] === '--version') argv = ['version'];
  const { runCommand } = await import('./run-command.ts');
  return runCommand(argv, process.env, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    // Errors of `signet ses` and of the DNS worker's start (every other command reports its own).
    const { reportError } = await import('./errors.ts');
    const { stderr, exitCode } = reportError(err, 'signet');
    process.stderr.write(stderr);
    process.exitCode = exitCode;
  },
);
