import { sql, type Kysely } from 'kysely';
import type { DdlFlavor } from './ddl.ts';

/**
 * The DNS server's synchronous key read on SQLite (open-sqlite-store.ts KEY_LOOKUP_SQL) gets a table of
 * its own, `dkim_key_slots`, in place of migration 0016's index of (token, public_key). SQLite keeps
 * an index's whole entries in its interior pages too, about 8 keys a page (18 MB of them at 100,000
 * domains, about 180 MB and 7 levels at a million), and a read at a million domains fetched two or
 * three pages outside the read connection's 16 MB cache, a system call each. A rowid table's interior
 * pages hold integers alone (about 240 a page; 1,400 pages, 6 MB, at a million domains), which stay
 * in that cache, so a read fetches one leaf page: at a million domains 14.4 µs against 16.7 µs
 * through a freshly built 0016 index and 18.6 µs through the one seeding left, and 1.2x the DNS
 * server's answers a second (issue 17; bench/dns-key-read.ts --covering-index prints the pages and
 * the reads). The integer is the token's slot (slotOf): its first 60 bits, tokens being base32 of
 * random bytes (core/tokens.ts), times 4, for four tokens that share those bits.
 *
 * Kept by triggers on dkim_keys, as the key zone's change feed is (0002, 0012), so every write path
 * keeps it. Only well-formed tokens (32 characters of `[a-z2-7]`, every token Signet makes) have a
 * slot: the read of another label takes the token's unique index and the table row. A fifth token
 * sharing the same 60 bits (among 3 million random tokens, a chance of about 10^-42) fails its write
 * (the request fails as an internal error) rather than be left out of DNS.
 *
 * The read imports firstSlot and SLOTS from here: it must compute the very integer these triggers
 * wrote, and a migration never changes once shipped (a later scheme would be a later migration).
 * It computes it in JavaScript, not with slotOf's SQL: SQLite evaluated that expression on every
 * read, about 3.5 µs of a 10 µs read at 100,000 domains.
 *
 * SQLite only (PostgreSQL's index keeps only the token in its inner pages; 0018). Building it on an
 * existing store reads 0016's index once and writes the table: about 57 s at a million domains.
 */
export async function up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> {
  if (flavor.triggers !== 'sqlite') return;
  await sql`CREATE TABLE dkim_key_slots (id INTEGER PRIMARY KEY, token TEXT NOT NULL, public_key TEXT NOT NULL)`.execute(db);
  const kysely: SlotSql = {
    changes: async (text) => Number((await sql.raw(text).execute(db)).numAffectedRows ?? 0n),
    count: async (text) => Number((await sql.raw<{ n: number }>(text).execute(db)).rows[0]!.n),
  };
  await fillSlots(kysely);
  for (const trigger of TRIGGER_SQL) await kysely.changes(trigger);
  await db.schema.dropIndex('dkim_keys_token_public_key').execute();
}

/**
 * What filling the table asks of a connection: run a statement for the rows it changed, and read a
 * count (`n`). The migration runs on Kysely's; `signet admin rebuild-dns-keys` (rebuildSlots) on the
 * SQLite connection itself, inside the transaction that holds the write lock.
 */
export interface SlotSql {
  changes(text: string): Promise<number> | number;
  count(text: string): Promise<number> | number;
}

/**
 * The first slot of each well-formed token, in slot order (sequential writes); then, for the rare
 * token whose first slot another took, the next free one. Each pass reads every key, so a next pass
 * only while a token is left: the well-formed keys are counted once, on the token's unique index, and
 * the slots as they are written.
 */
async function fillSlots(db: SlotSql): Promise<number> {
  const fill = (probe: number) =>
    probe === 0
      ? `INSERT OR IGNORE INTO dkim_key_slots (id, token, public_key)
               SELECT ${slotOf('token')}, token, public_key FROM dkim_keys WHERE ${wellFormed('token')} ORDER BY 1`
      : `INSERT OR IGNORE INTO dkim_key_slots (id, token, public_key)
               SELECT ${slotOf('k.token')} + ${probe}, k.token, k.public_key FROM dkim_keys AS k
               WHERE ${wellFormed('k.token')} AND NOT EXISTS (${slotted('k.token')})`;
  const keys = await db.count(`SELECT count(*) AS n FROM dkim_keys WHERE ${wellFormed('token')}`);
  let left = keys;
  for (let probe = 0; probe < SLOTS && left > 0; probe++) left -= await db.changes(fill(probe));
  if (left > 0) throw new Error(`dkim_key_slots: ${left} tokens found no free slot`);
  return keys;
}

/**
 * Rebuilds the table from dkim_keys as the migration built it, and its triggers: for a store whose
 * consistency check (SLOT_CHECK_SQL) found the table disagreeing with the keys (an edit by hand, a
 * trigger dropped). The caller holds the write lock for the whole of it, so that no key is written
 * between the fill and the triggers. Returns the slots filled (every well-formed key has one).
 */
export async function rebuildSlots(db: SlotSql): Promise<number> {
  for (const name of SLOT_TRIGGERS) await db.changes(`DROP TRIGGER IF EXISTS ${name}`);
  await db.changes('DELETE FROM dkim_key_slots');
  const slots = await fillSlots(db);
  for (const trigger of TRIGGER_SQL) await db.changes(trigger);
  return slots;
}

/** Slots a token may take: its first 60 bits times SLOTS, plus 0 to SLOTS - 1. */
export const SLOTS = 4;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 §6, lower case: core/tokens.ts's alphabet

/** SQL for a token's first slot: base32 of its first 12 characters (60 bits), shifted left by 2. */
function slotOf(token: string): string {
  const digits = Array.from({ length: 12 }, (_, k) => `((instr('${BASE32}', substr(${token}, ${k + 1}, 1)) - 1) << ${5 * (11 - k) + 2})`);
  return `(${digits.join(' | ')})`;
}

/** slotOf in JavaScript, for the read (open-sqlite-store.ts): a 62-bit integer, so a BigInt. */
export function firstSlot(token: string): bigint {
  let value = 0n;
  for (let k = 0; k < 12; k++) value = (value << 5n) | BigInt(BASE32.indexOf(token[k]!));
  return value << 2n;
}

/** The triggers that keep the table (see up). */
const SLOT_TRIGGERS = ['dkim_key_slots_insert', 'dkim_key_slots_delete', 'dkim_key_slots_update'] as const;

/** The triggers' SQL (see up): the literal names are SLOT_TRIGGERS'. */
const TRIGGER_SQL = [
  `CREATE TRIGGER dkim_key_slots_insert AFTER INSERT ON dkim_keys WHEN ${wellFormed('NEW.token')} BEGIN ${put('NEW')} END`,
  `CREATE TRIGGER dkim_key_slots_delete AFTER DELETE ON dkim_keys BEGIN ${remove('OLD')} END`,
  `CREATE TRIGGER dkim_key_slots_update AFTER UPDATE OF token, public_key ON dkim_keys BEGIN
         ${remove('OLD')}
         ${put('NEW', wellFormed('NEW.token'))}
       END`,
];

/**
 * SQL for `signet admin status --check` and `admin restore` (open-sqlite-store.ts's integrity): one
 * row of three counts, all 0 when the table is what these triggers keep. `missing`: well-formed keys
 * with no slot holding their token and key (the DNS server's read would not find them); `stale`: slots
 * whose token and key no key row has, or outside their token's slots (it would answer a key that is
 * gone, or never find it); `triggers`: the triggers missing (the table would drift on the next write).
 * Here, beside the SQL of the slots it checks. Reads every key and every slot: 289 s at a million
 * domains on the 2-core benchmark machine, the store mostly outside the page cache.
 */
export const SLOT_CHECK_SQL = `SELECT
  (SELECT count(*) FROM dkim_keys AS k WHERE ${wellFormed('k.token')}
     AND NOT EXISTS (${slotted('k.token')} AND s.public_key = k.public_key)) AS missing,
  (SELECT count(*) FROM dkim_key_slots AS s
     WHERE s.id NOT BETWEEN ${slotOf('s.token')} AND ${slotOf('s.token')} + ${SLOTS - 1}
       OR NOT EXISTS (SELECT 1 FROM dkim_keys AS k WHERE k.token = s.token AND k.public_key = s.public_key)) AS stale,
  ${SLOT_TRIGGERS.length} - (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'dkim_keys'
     AND name IN (${SLOT_TRIGGERS.map((t) => `'${t}'`).join(', ')})) AS triggers`;

/** SQL: the token is one Signet makes (DKIM_TOKEN_PATTERN, core/tokens.ts), which alone have slots. */
function wellFormed(token: string): string {
  return `(length(${token}) = 32 AND ${token} NOT GLOB '*[^a-z2-7]*')`;
}

/** SQL: the token's slot row, where it has one. */
function slotted(token: string): string {
  return `SELECT 1 FROM dkim_key_slots AS s WHERE s.id BETWEEN ${slotOf(token)} AND ${slotOf(token)} + ${SLOTS - 1} AND s.token = ${token}`;
}

/**
 * Trigger statements: the row's key into its first free slot, or the write fails (see above). Any slot
 * the token holds goes first: a row of the same token that an INSERT OR REPLACE or UPDATE OR REPLACE
 * removes fires no delete trigger (SQLite's recursive_triggers is off), and its slot would serve a
 * key that is gone. No write of Signet's replaces a key row.
 */
function put(row: 'NEW', when = '1'): string {
  const first = slotOf(`${row}.token`);
  const probes = Array.from({ length: SLOTS }, (_, n) => `SELECT ${n} AS n`).join(' UNION ALL ');
  return `
    ${remove(row)}
    SELECT RAISE(ABORT, 'dkim_key_slots: no free slot for this token')
      WHERE ${when} AND (SELECT count(*) FROM dkim_key_slots WHERE id BETWEEN ${first} AND ${first} + ${SLOTS - 1}) >= ${SLOTS};
    INSERT INTO dkim_key_slots (id, token, public_key)
      SELECT ${first} + p.n, ${row}.token, ${row}.public_key FROM (${probes}) AS p
      WHERE ${when} AND NOT EXISTS (SELECT 1 FROM dkim_key_slots WHERE id = ${first} + p.n) ORDER BY p.n LIMIT 1;`;
}

/** Trigger statement: the row's token leaves its slot, where it has one. */
function remove(row: 'OLD' | 'NEW'): string {
  const first = slotOf(`${row}.token`);
  return `DELETE FROM dkim_key_slots WHERE id BETWEEN ${first} AND ${first} + ${SLOTS - 1} AND token = ${row}.token;`;
}
