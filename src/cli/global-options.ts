import type { OptionSpec } from './argparse.ts';

/**
 * The global options of the AWS CLI (awscli/data/cli.json) as argparse specs. A module of its own,
 * with no runtime imports, because the top-level dispatcher (src/commands/entry.ts) needs them too: AWS
 * CLI global options may come before the service (`signet --output text ses ...`), and the
 * dispatcher has to step over them, values included, to find `ses` without loading the CLI.
 */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flag: '--debug', dest: 'debug', action: 'store_true' },
  { flag: '--endpoint-url', dest: 'endpoint_url', action: 'store' },
  { flag: '--no-verify-ssl', dest: 'verify_ssl', action: 'store_false' },
  { flag: '--no-paginate', dest: 'paginate', action: 'store_false' },
  { flag: '--output', dest: 'output', action: 'store', choices: ['json', 'text', 'table', 'yaml', 'yaml-stream'] },
  { flag: '--query', dest: 'query', action: 'store' },
  { flag: '--profile', dest: 'profile', action: 'store' },
  { flag: '--region', dest: 'region', action: 'store' },
  { flag: '--version', dest: 'version', action: 'version' },
  { flag: '--color', dest: 'color', action: 'store', choices: ['on', 'off', 'auto'] },
  { flag: '--no-sign-request', dest: 'sign_request', action: 'store_false' },
  { flag: '--ca-bundle', dest: 'ca_bundle', action: 'store' },
  { flag: '--cli-read-timeout', dest: 'read_timeout', action: 'store' },
  { flag: '--cli-connect-timeout', dest: 'connect_timeout', action: 'store' },
  { flag: '--cli-binary-format', dest: 'cli_binary_format', action: 'store', choices: ['base64', 'raw-in-base64-out'] },
  { flag: '--no-cli-pager', dest: 'no_cli_pager', action: 'store_true' },
  { flag: '--cli-auto-prompt', dest: 'cli_auto_prompt', action: 'store_true' },
  { flag: '--no-cli-auto-prompt', dest: 'no_cli_auto_prompt', action: 'store_true' },
];

/** The global option `token` names, as argparse resolves it (exact, or a unique prefix); else undefined. */
export function globalOption(token: string): OptionSpec | undefined {
  const name = token.split('=', 1)[0]!;
  const exact = GLOBAL_OPTIONS.find((o) => o.flag === name);
  if (exact) return exact;
  const prefixed = name.startsWith('--') && name.length > 2 ? GLOBAL_OPTIONS.filter((o) => o.flag.startsWith(name)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/**
 * Where the AWS CLI's main parser finds the command (the service): the first token that is not a
 * global option or an option's value. -1 when there is none. Unknown options are taken to carry no
 * value, as argparse's parse_known_args does when it meets them before the command.
 */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!token.startsWith('-') || token === '-') return i;
    const spec = globalOption(token);
    if (spec?.action === 'store' && !token.includes('=')) i++;
  }
  return -1;
}

/**
 * Whether argv is the AWS CLI's command line (`signet ses ...`, `signet sesv2 ...`) rather than one of signet's own
 * commands. `aws` takes its global options before the service as well as after it
 * (`signet --output text --endpoint-url U ses verify-domain-dkim ...`), so the service is the first
 * token that is neither a global option nor its value. A bare `signet`, or global options with no
 * command, get the AWS CLI's own answer too ("the following arguments are required: command",
 * exit 252); `--version` and `--help` as the first token stay signet's.
 */
export function isSesCommandLine(argv: readonly string[]): boolean {
  if (argv.length === 0) return true;
  const at = commandIndex(argv);
  if (at !== -1) return argv[at] === 'ses' || argv[at] === 'sesv2';
  const first = argv[0]!;
  return first.startsWith('--') && first !== '--version' && first !== '--help' && globalOption(first) !== undefined;
}
