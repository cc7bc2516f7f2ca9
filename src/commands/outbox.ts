import type { OutboxMessage } from '../app/send-ports.ts';
import { localStackView } from '../api/outbox-view.ts';
import { stringOption, UsageError, type Command, type ParsedArgs } from './command.ts';
import { EXIT_NEGATIVE } from '../cli/exit-codes.ts';
import { storeConfigOf } from './dkim-options.ts';
import { STORE_OPTIONS, STORE_USAGE, withSignet } from './with-signet.ts';

/** One line per message: time, id, signed by, delivery, from, recipients, subject. */
export function outboxLine(m: OutboxMessage): string {
  const signed = m.signature ? `signed:${m.signature.domain}` : 'unsigned';
  return [new Date(m.createdAt).toISOString(), m.messageId, signed, m.delivery.status, m.source, m.recipients.join(','), JSON.stringify(m.subject)].join('\t');
}

async function readMessage(args: ParsedArgs, env: Parameters<Command['run']>[1]): Promise<OutboxMessage | null> {
  const id = args.positionals[0]!;
  return withSignet(storeConfigOf(args, env), {}, (signet) => signet.storage.outbox.get(id));
}

const notFound = (args: ParsedArgs) => ({
  output: { kind: 'none' } as const,
  exitCode: EXIT_NEGATIVE,
  message: `signet outbox: no message ${JSON.stringify(args.positionals[0])}\n`,
});

/** `signet outbox list`: the kept messages of the data folder or database, newest first. */
export const outboxListCommand: Command = {
  path: ['outbox', 'list'],
  summary: 'the messages sent (kept in the outbox)',
  usage: `usage: signet outbox list [--limit N] [--json] ${STORE_USAGE}\n  one line per message: time, id, signature, delivery, from, recipients, subject`,
  options: { ...STORE_OPTIONS, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, env) {
    const text = stringOption(args, 'limit');
    const limit = text === undefined ? undefined : Number(text);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
      throw new UsageError(`--limit must be a positive integer, not ${JSON.stringify(text)}`, outboxListCommand.usage);
    const messages = await withSignet(storeConfigOf(args, env), {}, (signet) => signet.storage.outbox.list(limit !== undefined ? { limit } : {}));
    return {
      output: args.values['json']
        ? { kind: 'json', value: { messages: messages.map(localStackView) }, indent: 2 }
        : { kind: 'lines', lines: messages.map(outboxLine) },
    };
  },
};

/** `signet outbox show ID`: the message's record (LocalStack's shape and Signet's). */
export const outboxShowCommand: Command = {
  path: ['outbox', 'show'],
  summary: "one message's record as JSON",
  usage: `usage: signet outbox show MESSAGE_ID ${STORE_USAGE}\n  the message's record as JSON (LocalStack's shape + Signet's); exit 1 when there is none`,
  options: STORE_OPTIONS,
  positionals: { min: 1, max: 1, names: 'one MESSAGE_ID' },
  async run(args, env) {
    const message = await readMessage(args, env);
    if (message === null) return notFound(args);
    return {
      output: {
        kind: 'json',
        value: { ...localStackView(message), Envelope: { From: message.envelopeFrom, To: message.recipients }, Tags: message.tags },
        indent: 2,
      },
    };
  },
};

/** `signet outbox eml ID`: the message bytes exactly as sent. */
export const outboxEmlCommand: Command = {
  path: ['outbox', 'eml'],
  summary: "one message's exact bytes (signature included)",
  usage: `usage: signet outbox eml MESSAGE_ID ${STORE_USAGE}\n  the message bytes exactly as sent (signature included); exit 1 when there is none`,
  options: STORE_OPTIONS,
  positionals: { min: 1, max: 1, names: 'one MESSAGE_ID' },
  async run(args, env) {
    const message = await readMessage(args, env);
    if (message === null) return notFound(args);
    return { output: { kind: 'bytes', bytes: message.raw } };
  },
};
