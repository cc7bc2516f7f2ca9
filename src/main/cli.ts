import { isSesCommandLine } from '../cli/global-options.ts';
import { SIGNET_VERSION } from '../cli/version.ts';

const USAGE = `usage: signet <command> [options]

commands:
  ses <operation> [options]   the Amazon SES commands of the AWS CLI v2, on the embedded store or --endpoint-url
                              (the AWS CLI's global options may also come before ses)
  serve [options]             serve the SES API over HTTP (signet serve --help)
  admin <command>             accounts and access keys (signet admin --help)
  dkim doctor DOMAIN          what DNS answers for each of a domain's DKIM records, and what is wrong
  dns export                  the DKIM key zone as a BIND zone file
  dev publish-dkim-records DOMAIN | unpublish-dkim-records DOMAIN
                              make a domain's CNAMEs appear (vanish) in the sandbox of serve --dev
  outbox list | show ID | eml ID
                              the messages sent (kept in the outbox), one's record, one's exact bytes
  version                     print the version
`;

/**
 * The composition root of the `signet` command: picks the entry point and loads only its code, so
 * that start-up stays short (each command's modules are imported lazily).
 */
async function main(argv: string[]): Promise<number> {
  if (isSesCommandLine(argv)) {
    const { runSesCli } = await import('./ses-cli.ts');
    return runSesCli(argv, process.env);
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      if (rest.includes('--help') || rest.includes('-h')) {
        const { SERVE_USAGE } = await import('./serve.ts');
        process.stdout.write(`${SERVE_USAGE}\n`);
        return 0;
      }
      const { serve } = await import('./serve.ts');
      return serve(rest, process.env);
    }
    case 'dkim': {
      const { runDkimCommand } = await import('./dkim-commands.ts');
      return runDkimCommand(rest, process.env);
    }
    case 'dns': {
      const { runDnsCommand } = await import('./dkim-commands.ts');
      return runDnsCommand(rest, process.env);
    }
    case 'dev': {
      const { runDevCommand } = await import('./dkim-commands.ts');
      return runDevCommand(rest, process.env);
    }
    case 'outbox': {
      const { runOutboxCommand } = await import('./outbox-commands.ts');
      return runOutboxCommand(rest, process.env);
    }
    case 'admin': {
      const { admin } = await import('./admin.ts');
      return admin(rest, process.env);
    }
    case '_dns-worker': {
      // Internal: a DNS worker process of `signet serve --dns-workers N` (src/main/dns-workers.ts).
      const { runDnsWorker } = await import('./dns-worker.ts');
      return runDnsWorker(process.env);
    }
    case 'version':
    case '--version':
      process.stdout.write(`signet ${SIGNET_VERSION}\n`);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`signet: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 252;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    // Imported here, not at the top: every command, `signet ses` included, would load it at start-up.
    const { ConfigError } = await import('../config/config.ts');
    if (err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`signet: ${(err as Error).message}\n`);
      process.exitCode = 253;
      return;
    }
    process.stderr.write(`signet: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 255;
  },
);
