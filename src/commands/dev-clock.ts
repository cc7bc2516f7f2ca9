import { ConfigError } from '../config/config.ts';
import { parseDuration } from '../config/dkim-config.ts';
import { UsageError, type Command, type ParsedArgs } from './command.ts';
import { REMOTE_OPTIONS, remoteOf, SERVER_USAGE } from './remote.ts';
import type { Env } from '../config/config.ts';

const OPTIONS = { ...REMOTE_OPTIONS, region: { type: 'string' }, output: { type: 'string' } } as const;

interface ClockState {
  readonly now: string;
  readonly nowMs: number;
  readonly offsetMs: number;
}

/** An offset as the shortest whole unit that states it (`73h`, `90m`, `1500ms`). */
function offsetText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * The dev clock lives in the running `serve --dev` process (it is the one clock of its use cases,
 * detection and quotas), so these commands need an endpoint; a data folder has no clock to move.
 */
async function callClock(args: ParsedArgs, env: Env, usage: string, params: Record<string, string>) {
  const remote = remoteOf(args, env, usage);
  if (remote === null) {
    throw new ConfigError(
      "the dev clock is a running signet serve --dev's: name the server with --endpoint-url URL, AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL or the profile's endpoint_url",
    );
  }
  const state = (await remote.call('clock', params)) as ClockState;
  return {
    output:
      args.values['output'] === 'json'
        ? ({ kind: 'json', value: state, indent: 2 } as const)
        : ({ kind: 'lines', lines: [`${state.now} (the system clock + ${offsetText(state.offsetMs)})`] } as const),
  };
}

const SHOW_USAGE = `usage: signet dev clock [--output text|json]\n${SERVER_USAGE}\n  the service clock of a running serve --dev`;

/** `signet dev clock`: the dev server's service clock. */
export const clockShowCommand: Command = {
  path: ['dev', 'clock'],
  summary: 'the service clock of a running serve --dev',
  usage: SHOW_USAGE,
  options: OPTIONS,
  run: (args, env) => callClock(args, env, SHOW_USAGE, {}),
};

const ADVANCE_USAGE = `usage: signet dev clock advance DURATION [--output text|json]\n${SERVER_USAGE}\n  move the service clock of a running serve --dev forward (DURATION such as 73h, 15m, 60s or 500ms): detection, quotas and verification links see it`;

/** `signet dev clock advance 73h`: moves the dev server's clock forward (`POST /_signet/clock`). */
export const clockAdvanceCommand: Command = {
  path: ['dev', 'clock', 'advance'],
  summary: 'move the service clock of a running serve --dev forward',
  usage: ADVANCE_USAGE,
  options: OPTIONS,
  positionals: { min: 1, max: 1, names: 'one DURATION' },
  run(args, env) {
    const duration = args.positionals[0]!;
    try {
      parseDuration('DURATION', duration, 0);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message, ADVANCE_USAGE);
      throw err;
    }
    return callClock(args, env, ADVANCE_USAGE, { advance: duration });
  },
};
