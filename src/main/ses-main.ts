import { isSesCommandLine } from '../cli/global-options.ts';
import { EXIT_CONFIG, EXIT_OTHER } from '../cli/exit-codes.ts';
import { runSesCli } from './ses-cli.ts';

/**
 * The entry of dist/ses.cjs, the CommonJS bundle of `signet ses ...` that bin/signet require()s.
 * CommonJS because an ES module entry costs Node about 8 ms more to start (the ESM loader, and an
 * asynchronous load per chunk file), in a start-up budget of about 90 ms that the AWS-CLI-compatible
 * command line is held to; every other command goes through the ES module bundle (dist/signet.js,
 * src/commands/entry.ts), which routes `ses` here too when it is run directly.
 */
export { isSesCommandLine };

export function main(argv: readonly string[]): void {
  runSesCli(argv, process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // As src/commands/errors.ts reports them; by name, since this bundle has its own copy of ConfigError.
      if ((err as Error)?.name === 'ConfigError') {
        process.stderr.write(`signet: ${(err as Error).message}\n`);
        process.exitCode = EXIT_CONFIG;
        return;
      }
      process.stderr.write(`signet: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT_OTHER;
    },
  );
}
