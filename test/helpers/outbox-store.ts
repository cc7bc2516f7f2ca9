import { join } from 'node:path';
import { BetterSqlite3 } from '../../src/storage/sqlite/better-sqlite3.ts';

/**
 * Reads a data folder's outbox straight from its SQLite file, for tests against a production server:
 * there the outbox API needs SigV4 and never shows verification mail (issue 14, finding 4).
 */
interface OutboxRow {
  message_id: string;
  kind: string;
  region: string;
  recipients: string;
  raw_base64: string;
  signing_domain: string | null;
}

function rows(dataDir: string, where: string, ...params: string[]): OutboxRow[] {
  const db = new BetterSqlite3(join(dataDir, 'signet.db'), { readonly: true });
  try {
    return db
      .prepare(`SELECT message_id, kind, region, recipients, raw_base64, signing_domain FROM outbox_messages WHERE ${where} ORDER BY created_at`)
      .all(...params) as never;
  } finally {
    db.close();
  }
}

/** The link of the newest verification mail to `address` (quoted-printable soft breaks undone), or null. */
export function verificationLinkFromStore(dataDir: string, address?: string): string | null {
  const mails = rows(dataDir, "kind = 'verification'").filter((r) => address === undefined || (JSON.parse(r.recipients) as string[]).includes(address));
  for (const mail of mails.reverse()) {
    const text = Buffer.from(mail.raw_base64, 'base64')
      .toString('utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    const link = /(https?:\/\/\S+verify-email\?token=[A-Za-z0-9_-]+)/.exec(text)?.[1];
    if (link) return link;
  }
  return null;
}

/** Whether the outbox holds a message with this id. */
export function outboxHasMessage(dataDir: string, messageId: string): boolean {
  return rows(dataDir, 'message_id = ?', messageId).length === 1;
}

/** Every stored copy of a message (one, unless something went wrong): its bytes, region and signing domain. */
export function outboxMessagesFromStore(dataDir: string, messageId: string): { raw: Buffer; region: string; signingDomain: string | null }[] {
  return rows(dataDir, 'message_id = ?', messageId).map((r) => ({
    raw: Buffer.from(r.raw_base64, 'base64'),
    region: r.region,
    signingDomain: r.signing_domain,
  }));
}
