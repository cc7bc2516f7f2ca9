import type { ParseArgsConfig } from 'node:util';
import type { Env } from '../config/config.ts';

/** What a command prints: data for the rendering layer (render.ts), never written by the command itself. */
export type Output =
  /** A JSON document (indent as that command has always printed it). */
  | { readonly kind: 'json'; readonly value: unknown; readonly indent?: 2 | 4 }
  /** Lines of text, each ended by a newline. */
  | { readonly kind: 'lines'; readonly lines: readonly string[] }
  /** Bytes exactly as they are (a message's .eml). */
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  /**
   * Text produced while it is printed (`signet dns export`: a zone of millions of keys), written
   * chunk by chunk at the pace standard output takes it.
   */
  | { readonly kind: 'stream'; readonly chunks: AsyncIterable<string> }
  | { readonly kind: 'none' };

export interface CommandResult {
  readonly output: Output;
  /** 0 unless the command's answer is a negative one (see EXIT_NEGATIVE). */
  readonly exitCode?: number;
  /** Said on standard error (why the answer is negative). */
  readonly message?: string;
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs gives a command: option values by name, and the positional words. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * One command (`signet outbox list`, `signet admin create-account`, ...): its words, its help text,
 * its options, and `run`, which turns parsed arguments into data. Printing and exit codes are done
 * once, for every command, by run-command.ts.
 */
export interface Command {
  /** The words after `signet`, e.g. ['outbox', 'list']. */
  readonly path: readonly string[];
  /** One line for `signet help`. */
  readonly summary: string;
  /** The usage text `--help` prints (without a trailing newline). */
  readonly usage: string;
  readonly options: OptionsConfig;
  /** How many positional words it takes (default: none). */
  readonly positionals?: { readonly min: number; readonly max: number; readonly names: string };
  run(args: ParsedArgs, env: Env): Promise<CommandResult>;
}

/** Wrong words or options: printed with the command's usage, exit 252. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A string option's value, or undefined. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option's values. */
export function stringsOption(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
}
