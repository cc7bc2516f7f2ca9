import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OutboxMessage } from '../app/send-ports.ts';
import { coreConfig, type Env } from '../config/config.ts';
import { KyselyOutboxStore } from '../storage/kysely-outbox-store.ts';
import { openSqliteStore } from '../storage/sqlite/open-sqlite-store.ts';
import { localStackView } from '../api/outbox-routes.ts';
import { SQLITE_FILE } from './embedded.ts';

export const OUTBOX_USAGE = `usage: signet outbox list [--limit N] [--json] [--data-dir DIR]
       signet outbox show MESSAGE_ID [--data-dir DIR]     the message's record as JSON (LocalStack's shape + Signet's)
       signet outbox eml MESSAGE_ID [--data-dir DIR]      the message bytes exactly as sent (signature included)
`;

/** One line per message: time, id, signed by, delivery, from, recipients, subject. */
export function outboxLine(m: OutboxMessage): string {
  const signed = m.signature ? `signed:${m.signature.domain}` : 'unsigned';
  return [new Date(m.createdAt).toISOString(), m.messageId, signed, m.delivery.status, m.source, m.recipients.join(','), JSON.stringify(m.subject)].join('\t');
}

/** `signet outbox`: the kept messages of the data folder, read straight from the store. */
export async function runOutboxCommand(argv: readonly string[], env: Env, out: (text: string | Buffer) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { 'data-dir': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  const [command, id] = positionals;
  if (values.help || command === undefined) {
    out(OUTBOX_USAGE);
    return values.help ? 0 : 252;
  }
  const config = coreConfig({ dataDir: values['data-dir'] }, env);
  const store = await openSqliteStore(join(config.dataDir, SQLITE_FILE));
  try {
    const outbox = new KyselyOutboxStore(store.database);
    if (command === 'list') {
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      const messages = await outbox.list(limit !== undefined && Number.isInteger(limit) && limit > 0 ? { limit } : {});
      if (values.json) out(`${JSON.stringify({ messages: messages.map(localStackView) }, null, 2)}\n`);
      else for (const m of messages) out(`${outboxLine(m)}\n`);
      return 0;
    }
    if ((command === 'show' || command === 'eml') && id !== undefined) {
      const message = await outbox.get(id);
      if (message === null) {
        process.stderr.write(`signet outbox: no message ${JSON.stringify(id)}\n`);
        return 1;
      }
      if (command === 'eml') out(message.raw);
      else out(`${JSON.stringify({ ...localStackView(message), Envelope: { From: message.envelopeFrom, To: message.recipients }, Tags: message.tags }, null, 2)}\n`);
      return 0;
    }
    process.stderr.write(`signet outbox: unknown command\n${OUTBOX_USAGE}`);
    return 252;
  } finally {
    await store.close();
  }
}
