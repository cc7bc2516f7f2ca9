import { BetterSqlite3 } from '../../src/storage/sqlite/better-sqlite3.ts';

/**
 * Writes domain identities straight into a SQLite store's table (a fixture for tests that need many,
 * not the API's way: no keys, no detection row, not flagged for detection, as a build older than
 * migration 0013 left them). Ids and names run from `from` (`d<id>.example`); `status` is an SQL
 * expression of the id `x` giving both the verification and the DKIM status.
 */
export function writeDomainIdentities(file: string, options: { readonly count: number; readonly from?: number; readonly status?: string }): void {
  const from = options.from ?? 1;
  const status = options.status ?? "'Pending'";
  const db = new BetterSqlite3(file);
  try {
    db.prepare(
      `insert into identities (id, account_id, region, name, kind, verification_status, verification_token, dkim_enabled, dkim_status, created_at)
       with recursive c(x) as (select ? union all select x + 1 from c where x < ?)
       select x, '111111111111', 'us-east-1', 'd' || x || '.example', 'Domain', ${status}, 'vt', 1, ${status}, 0 from c`,
    ).run(from, from + options.count - 1);
  } finally {
    db.close();
  }
}
