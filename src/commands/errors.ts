import { ConfigError } from '../config/config.ts';
import { isDomainError } from '../core/index.ts';
import { UsageError } from './command.ts';
import { CliError } from '../cli/errors.ts';
import { EXIT_CONFIG, EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE } from '../cli/exit-codes.ts';

/**
 * The one place where an error thrown by a command becomes what the user sees and the exit code:
 * usage 252, configuration 253, a refusal by the service (DomainError, by its stable code) 254,
 * anything else 255 with its stack (a bug or an outage, worth the detail).
 */
export function reportError(err: unknown, commandName: string): { readonly stderr: string; readonly exitCode: number } {
  if (err instanceof UsageError) return { stderr: `${commandName}: ${err.message}\n${err.usage}\n`, exitCode: EXIT_USAGE };
  if (isParseArgsError(err)) return { stderr: `${commandName}: ${(err as Error).message}\n`, exitCode: EXIT_USAGE };
  if (err instanceof ConfigError || (err as Error)?.name === 'ConfigError') return { stderr: `signet: ${(err as Error).message}\n`, exitCode: EXIT_CONFIG };
  if (isDomainError(err)) return { stderr: `signet: ${err.message}\n`, exitCode: EXIT_SERVICE };
  // The command line's own errors (src/cli) carry the AWS CLI's words and exit code: a refusal by a
  // server's /_signet/ route (254), no region or credentials (253), an endpoint that cannot be reached (255).
  if (err instanceof CliError) return { stderr: `signet: ${err.message}\n`, exitCode: err.exitCode };
  return { stderr: `signet: ${(err as Error)?.stack ?? String(err)}\n`, exitCode: EXIT_OTHER };
}

/** node:util parseArgs's own errors (unknown option, missing value, ...) are usage errors. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
