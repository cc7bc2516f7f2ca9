import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DdlFlavor } from './ddl.ts';
import * as m0001 from './0001-identities-and-keys.ts';
import * as m0002 from './0002-dkim-detection.ts';
import * as m0003 from './0003-accounts.ts';
import * as m0005 from './0005-outbox.ts';
import * as m0006 from './0006-settings-and-rate-buckets.ts';
import * as m0007 from './0007-identity-details.ts';
import * as m0008 from './0008-sandbox-and-simulator.ts';
import * as m0009 from './0009-mail-from-domains.ts';
import * as m0010 from './0010-identity-notifications-and-policies.ts';
import * as m0011 from './0011-key-rings.ts';
import * as m0012 from './0012-key-zone-journal.ts';
import * as m0013 from './0013-scale.ts';
import * as m0014 from './0014-external-dkim-keys.ts';
import * as m0015 from './0015-external-dkim-window.ts';
import * as m0016 from './0016-dns-key-lookup-index.ts';
import * as m0017 from './0017-dkim-tokens-index.ts';
import * as m0018 from './0018-postgres-dns-key-lookup-index.ts';
import * as m0019 from './0019-sqlite-dns-key-slots.ts';
import * as m0020 from './0020-outbox-counts-by-minute.ts';
import * as m0021 from './0021-verification-expiry-handled.ts';

export type { DdlFlavor } from './ddl.ts';

type Step = { up(db: Kysely<any>, flavor: DdlFlavor): Promise<void> };

/**
 * The schema's history, in order. Append-only: never edit a migration that has shipped; add the next
 * file and one line here. Kysely's Migrator records them in `kysely_migration` under its own lock.
 */
const STEPS: Record<string, Step> = {
  '0001-identities-and-keys': m0001,
  '0002-dkim-detection': m0002,
  '0003-accounts': m0003,
  '0005-outbox': m0005,
  '0006-settings-and-rate-buckets': m0006,
  '0007-identity-details': m0007,
  '0008-sandbox-and-simulator': m0008,
  '0009-mail-from-domains': m0009,
  '0010-identity-notifications-and-policies': m0010,
  '0011-key-rings': m0011,
  '0012-key-zone-journal': m0012,
  '0013-scale': m0013,
  '0014-external-dkim-keys': m0014,
  '0015-external-dkim-window': m0015,
  '0016-dns-key-lookup-index': m0016,
  '0017-dkim-tokens-index': m0017,
  '0018-postgres-dns-key-lookup-index': m0018,
  '0019-sqlite-dns-key-slots': m0019,
  '0020-outbox-counts-by-minute': m0020,
  '0021-verification-expiry-handled': m0021,
};

export function migrationProvider(flavor: DdlFlavor): MigrationProvider {
  const migrations: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(STEPS)) {
    migrations[name] = { up: (db) => step.up(db, flavor) };
  }
  return { getMigrations: async () => migrations };
}

/** The names of this build's migrations, in order (as the Migrator records them in `kysely_migration`). */
export function migrationNames(): readonly string[] {
  return Object.keys(STEPS);
}
