import { parseArgs } from 'node:util';
import { joinNegativeNumbers } from '../config/negative-values.ts';
import type { Env } from '../config/config.ts';
import { UsageError, type Command, type ParsedArgs } from './command.ts';
import { reportError } from './errors.ts';
import { EXIT_OK, EXIT_USAGE } from '../cli/exit-codes.ts';
import { renderChunks } from './render.ts';
import { COMMAND_TABLE, globalUsage, groupUsage, type CommandEntry } from './table.ts';

export interface CommandIo {
  /** Writes a chunk; a promise when the caller should wait before the next (standard output is full). */
  readonly stdout: (chunk: string | Buffer) => void | Promise<void>;
  readonly stderr: (chunk: string) => void;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** The entry of the table whose words start `argv` (the longest such entry). */
function findEntry(argv: readonly string[]): CommandEntry | null {
  let best: CommandEntry | null = null;
  for (const entry of COMMAND_TABLE) {
    if (entry.path.every((word, i) => argv[i] === word) && (best === null || entry.path.length > best.path.length)) best = entry;
  }
  return best;
}

/**
 * Runs one command of the table: finds it, answers `--help`, parses its options (strictly: an unknown
 * option is a usage error), runs it, renders its data and turns any error into its exit code.
 */
export async function runCommand(argv: readonly string[], env: Env, io: CommandIo): Promise<number> {
  const entry = findEntry(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (entry === null) {
    const group = argv[0] !== undefined ? groupUsage(argv[0]) : null;
    if (group !== null) {
      // `signet admin`, `signet admin --help`, `signet admin bogus`: the group's commands.
      const sub = argv[1];
      if (wantsHelp && (sub === undefined || sub.startsWith('-'))) {
        io.stdout(`${group}\n`);
        return EXIT_OK;
      }
      io.stderr(
        `signet ${argv[0]}: ${sub === undefined || sub.startsWith('-') ? 'a command is required' : `unknown command ${JSON.stringify(sub)}`}\n${group}\n`,
      );
      return EXIT_USAGE;
    }
    if (argv.length === 0 || wantsHelp || argv[0] === 'help') {
      io.stdout(globalUsage());
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    io.stderr(`signet: unknown command ${JSON.stringify(argv[0])}\n\n${globalUsage()}`);
    return EXIT_USAGE;
  }
  const name = `signet ${entry.path.join(' ')}`;
  try {
    const command = await entry.load();
    const rest = argv.slice(entry.path.length);
    if (wantsHelp) {
      io.stdout(`${command.usage}\n`);
      return EXIT_OK;
    }
    const result = await command.run(parse(command, rest), env);
    if (result.message !== undefined) io.stderr(result.message);
    for await (const chunk of renderChunks(result.output)) await io.stdout(chunk);
    return result.exitCode ?? EXIT_OK;
  } catch (err) {
    const { stderr, exitCode } = reportError(err, name);
    io.stderr(stderr);
    return exitCode;
  }
}

function parse(command: Command, rest: readonly string[]): ParsedArgs {
  // Issue 14: `--max-24-hour-send -1` as the usage shows it (parseArgs alone calls it ambiguous).
  const args = joinNegativeNumbers(rest, command.options as Record<string, { type: 'string' | 'boolean' }>);
  const { values, positionals } = parseArgs({ args, options: { ...command.options, ...HELP_OPTION }, strict: true, allowPositionals: true });
  const { min, max, names } = command.positionals ?? { min: 0, max: 0, names: '' };
  if (positionals.length < min) throw new UsageError(`expected ${names}`, command.usage);
  if (positionals.length > max) throw new UsageError(`unexpected ${JSON.stringify(positionals[max])}`, command.usage);
  return { values, positionals };
}
