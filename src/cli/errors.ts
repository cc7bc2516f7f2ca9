/**
 * The AWS CLI v2's exit codes and error families. Each error carries the exact text the AWS CLI
 * writes (with the program name `signet` where it says `aws`); `report` decides the framing.
 */

export { EXIT_CONFIG, EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE } from './exit-codes.ts';
import { EXIT_CONFIG, EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE } from './exit-codes.ts';

export const PROG = 'signet';

export const USAGE_BLOCK =
  `usage: ${PROG} [options] <command> <subcommand> [<subcommand> ...] [parameters]\n` +
  'To see help text, you can run:\n' +
  '\n' +
  `  ${PROG} help\n` +
  `  ${PROG} <command> help\n` +
  `  ${PROG} <command> <subcommand> help\n`;

/** An error the CLI reports as `\n<message>\n` on stderr with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** argparse's own errors (`signet: error: ...` after the usage block). */
export class ArgParseError extends CliError {
  constructor(message: string) {
    super(`${USAGE_BLOCK}\n${PROG}: error: ${message}\n`, EXIT_USAGE);
  }
}

/** Leftover arguments the operation parser could not place. */
export class UnknownOptionsError extends CliError {
  constructor(readonly tokens: readonly string[]) {
    super(`${USAGE_BLOCK}\nUnknown options: ${tokens.join(', ')}\n`, EXIT_USAGE);
  }
}

/** awscli ParamValidationError and botocore's validator (`Parameter validation failed:`). */
export class ParamError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

export class ConfigurationError extends CliError {
  constructor(message: string) {
    super(message, EXIT_CONFIG);
  }
}

export const NO_REGION = 'You must specify a region. You can also configure your region by running "aws configure".';
export const NO_CREDENTIALS = 'Unable to locate credentials. You can configure credentials by running "aws configure".';

/** A modelled or unmodelled service error (botocore ClientError). */
export class ServiceError extends CliError {
  constructor(
    readonly code: string,
    readonly serviceMessage: string,
    readonly operation: string,
    readonly retriesUsed: number | null,
    readonly httpStatus: number,
  ) {
    const retry = retriesUsed === null ? '' : ` (reached max retries: ${retriesUsed})`;
    super(`An error occurred (${code || 'Unknown'}) when calling the ${operation} operation${retry}: ${serviceMessage || 'Unknown'}`, EXIT_SERVICE);
  }
}

export class OtherError extends CliError {
  constructor(message: string) {
    super(message, EXIT_OTHER);
  }
}
