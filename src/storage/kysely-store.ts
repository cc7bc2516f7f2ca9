import { Migrator, type Kysely, type Selectable, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Identity, IdentityKind, Scope, VerificationStatus, KeyState } from '../core/index.ts';
import { initialKeyState } from '../core/index.ts';
import type { CreateDomainDkimResult, ListIdentitiesPage, ListIdentitiesQuery, NewDomainDkim, PooledKey, Store, StoredDkimKey } from '../app/ports.ts';
import type { Database, IdentitiesTable } from './schema.ts';
import { migrationNames, migrationProvider, type DdlFlavor } from './migrations/index.ts';
import { preparedQuery } from './prepared-query.ts';

/**
 * What each engine does its own way, chosen by strategy rather than by `if (dialect === ...)`.
 * SQLite has one writer at a time, so a plain select inside the transaction already owns the rows it
 * reads; PostgreSQL must lock them (`FOR UPDATE SKIP LOCKED`) so that concurrent nodes take different
 * pool keys.
 */
export interface EngineStrategy extends DdlFlavor {
  /** Locks the pool rows a transaction takes (or not, where transactions run one at a time). */
  lockTaken<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /** Holds an identity row until the transaction ends (a no-op where transactions run one at a time). */
  lockIdentity(trx: Transaction<Database>, identityId: number): Promise<void>;
  /**
   * A number that changes whenever another process (or node) commits to the database, for caches
   * that must see such changes at once; null when the engine cannot tell cheaply (then don't cache).
   */
  readonly externalChangeCounter: (() => number) | null;
  /**
   * Where the migrator keeps its own tables. Kysely looks for them in every schema unless told, so on
   * a PostgreSQL server with several Signet schemas it must be told which one is this store's.
   */
  readonly migrationTableSchema?: string;
}

/** Rolls back createDomainDkim's transaction when the pool lacks keys. */
class PoolShort extends Error {
  readonly available: number;
  constructor(available: number) {
    super('key pool short');
    this.available = available;
  }
}

/** SQL IN lists are chunked to stay under SQLite's bound-parameter limit. */
const IN_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

function toIdentity(row: Selectable<IdentitiesTable>): Identity {
  return {
    name: row.name,
    kind: row.kind as IdentityKind,
    verificationStatus: row.verification_status as VerificationStatus,
    verificationToken: row.verification_token,
    dkimEnabled: row.dkim_enabled === 1,
    dkimStatus: row.dkim_status as VerificationStatus,
    createdAt: Number(row.created_at),
  };
}

/** Identities by name in one scope; compiled once per list length (GetIdentity*Attributes, GetEmailIdentity). */
const identitiesQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, names: string[]) =>
  db.selectFrom('identities').selectAll().where('account_id', '=', accountId).where('region', '=', region).where('name', 'in', names),
);

/** The Store over Kysely: all SQL lives here and in the migrations. */
export class KyselyStore implements Store {
  readonly #db: Kysely<Database>;
  readonly #engine: EngineStrategy;

  constructor(db: Kysely<Database>, engine: EngineStrategy) {
    this.#db = db;
    this.#engine = engine;
  }

  /** See EngineStrategy.lockIdentity: for the other stores over the same database (identity settings). */
  lockIdentity(trx: Transaction<Database>, identityId: number): Promise<void> {
    return this.#engine.lockIdentity(trx, identityId);
  }

  /** See EngineStrategy.lockTaken: for the other stores that take pool keys (the key rings). */
  lockTaken<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return this.#engine.lockTaken(query);
  }

  /** See EngineStrategy.externalChangeCounter. */
  get externalChangeCounter(): (() => number) | null {
    return this.#engine.externalChangeCounter;
  }

  /** Brings the schema up to date; throws with the failing migration's error. */
  async migrate(): Promise<void> {
    if (await this.schemaIsCurrent()) return;
    const migrator = new Migrator({
      db: this.#db,
      provider: migrationProvider(this.#engine),
      // Kysely sorts migration names with localeCompare by default, whose first call sets up ICU
      // collation: about 12 ms of every embedded `signet ses` start (bench/embedded-startup.mjs). The
      // names are numbered ASCII ('0001-...'), so code-unit order is the same order.
      nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      ...(this.#engine.migrationTableSchema !== undefined ? { migrationTableSchema: this.#engine.migrationTableSchema } : {}),
    });
    // On PostgreSQL, the Migrator's look for its own tables reads Signet's schema alone
    // (OwnSchemaIntrospector): a schema another session drops meanwhile cannot fail it.
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  /**
   * Whether the migrations applied are exactly this build's, read with one query. The Migrator finds
   * the same, but first introspects every table of the database (to see whether its own exist), which
   * was the largest part of opening the store on each embedded `signet ses` call
   * (bench/embedded-startup.mjs). Anything else (no migration table yet, a migration to apply, one this
   * build does not know) goes to the Migrator, which applies or refuses as before.
   */
  async schemaIsCurrent(): Promise<boolean> {
    const schema = this.#engine.migrationTableSchema;
    const db = schema !== undefined ? this.#db.withSchema(schema) : this.#db;
    let applied: string[];
    try {
      const rows = await (db as unknown as Kysely<{ kysely_migration: { name: string } }>).selectFrom('kysely_migration').select('name').execute();
      applied = rows.map((r) => r.name);
    } catch {
      return false;
    }
    const known = migrationNames();
    return applied.length === known.length && applied.every((name) => known.includes(name));
  }

  async getIdentities(scope: Scope, names: readonly string[]): Promise<Map<string, Identity>> {
    const out = new Map<string, Identity>();
    for (const part of chunks([...new Set(names)])) {
      if (part.length === 0) continue;
      const rows = await identitiesQuery(this.#db, scope.accountId, scope.region, part);
      for (const row of rows) out.set(row.name, toIdentity(row));
    }
    return out;
  }

  async getDkimTokens(scope: Scope, domains: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const part of chunks([...new Set(domains)])) {
      if (part.length === 0) continue;
      const rows = await this.#db
        .selectFrom('dkim_keys as k')
        .innerJoin('identities as i', 'i.id', 'k.identity_id')
        .select(['i.name', 'k.token'])
        .where('i.account_id', '=', scope.accountId)
        .where('i.region', '=', scope.region)
        .where('i.kind', '=', 'Domain')
        .where('i.name', 'in', part)
        .orderBy('i.name')
        .orderBy('k.position')
        .execute();
      for (const row of rows) {
        const list = out.get(row.name) ?? [];
        list.push(row.token);
        out.set(row.name, list);
      }
    }
    return out;
  }

  async createDomainDkim(scope: Scope, input: NewDomainDkim): Promise<CreateDomainDkimResult> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        // Insert-or-keep first: on PostgreSQL a concurrent insert of the same name waits here for the
        // other transaction and then keeps its row, instead of failing on the unique constraint.
        await trx
          .insertInto('identities')
          .values({
            account_id: scope.accountId,
            region: scope.region,
            name: input.domain,
            kind: 'Domain',
            verification_status: 'Pending',
            verification_token: input.verificationToken,
            dkim_enabled: 1,
            dkim_status: 'Pending',
            created_at: input.now,
          })
          .onConflict((oc) => oc.columns(['account_id', 'region', 'name']).doNothing())
          .execute();
        const identity = await trx
          .selectFrom('identities')
          .select(['id'])
          .where('account_id', '=', scope.accountId)
          .where('region', '=', scope.region)
          .where('name', '=', input.domain)
          .executeTakeFirstOrThrow();
        const identityId = Number(identity.id);
        // Two calls for one domain that already existed without keys: the second waits here, then
        // finds the first one's keys.
        await this.#engine.lockIdentity(trx, identityId);
        const tokens = await trx.selectFrom('dkim_keys').select('token').where('identity_id', '=', identityId).orderBy('position').execute();
        if (tokens.length > 0) return { kind: 'existing', tokens: tokens.map((t) => t.token) } as const;
        const poolIds = (
          await this.#engine
            .lockTaken(trx.selectFrom('key_pool').select('id').where('bits', '=', input.keyBits).orderBy('id').limit(input.tokens.length))
            .execute()
        ).map((r) => Number(r.id));
        const pooled =
          poolIds.length < input.tokens.length
            ? []
            : await trx.deleteFrom('key_pool').where('id', 'in', poolIds).returning(['public_key', 'sealed_private_key', 'bits']).execute();
        if (pooled.length < input.tokens.length) throw new PoolShort(pooled.length);
        // detection_dirty: the next claim enrolls it or starts its DKIM detection over (migration 0013).
        await trx.updateTable('identities').set({ dkim_status: 'Pending', dkim_enabled: 1, detection_dirty: 1 }).where('id', '=', identityId).execute();
        await trx
          .insertInto('dkim_keys')
          .values(
            input.tokens.map((token, position) => ({
              identity_id: identityId,
              token,
              position,
              bits: pooled[position]!.bits,
              public_key: pooled[position]!.public_key,
              sealed_private_key: pooled[position]!.sealed_private_key,
              state: initialKeyState(position),
              created_at: input.now,
              published_at: input.now,
              activated_at: initialKeyState(position) === 'active' ? input.now : null,
              retired_at: null,
            })),
          )
          .execute();
        // The ring's settings (issue 16): the next key's length is the one asked for now; nothing is due.
        await trx
          .insertInto('dkim_key_rings')
          .values({ identity_id: identityId, next_bits: input.keyBits, last_generated_at: input.now, due_at: null })
          .onConflict((oc) => oc.column('identity_id').doUpdateSet({ next_bits: input.keyBits, last_generated_at: input.now, due_at: null }))
          .execute();
        return { kind: 'created', tokens: [...input.tokens] } as const;
      });
    } catch (err) {
      // Thrown inside the transaction so that it rolls back: not even the identity row stays.
      if (err instanceof PoolShort) return { kind: 'pool_short', available: err.available };
      throw err;
    }
  }

  async ensureDomainIdentity(scope: Scope, domain: string, verificationToken: string, now: number): Promise<Identity> {
    return this.#ensureIdentity(scope, {
      name: domain,
      kind: 'Domain',
      verification_token: verificationToken,
      dkim_enabled: 0,
      now,
    });
  }

  async ensureEmailIdentity(scope: Scope, address: string, now: number): Promise<Identity> {
    return this.#ensureIdentity(scope, { name: address, kind: 'EmailAddress', verification_token: null, dkim_enabled: 0, now });
  }

  async ensureVerifiedEmailIdentity(scope: Scope, address: string, now: number): Promise<Identity> {
    await this.#ensureIdentity(scope, { name: address, kind: 'EmailAddress', verification_token: null, dkim_enabled: 0, now });
    await this.#db
      .updateTable('identities')
      .set({ verification_status: 'Success' })
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', address)
      .where('kind', '=', 'EmailAddress')
      .execute();
    return (await this.getIdentities(scope, [address])).get(address)!;
  }

  async #ensureIdentity(
    scope: Scope,
    fields: { name: string; kind: IdentityKind; verification_token: string | null; dkim_enabled: number; now: number },
  ): Promise<Identity> {
    return this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('identities')
        .values({
          account_id: scope.accountId,
          region: scope.region,
          name: fields.name,
          kind: fields.kind,
          verification_status: 'Pending',
          verification_token: fields.verification_token,
          dkim_enabled: fields.dkim_enabled,
          dkim_status: 'NotStarted',
          created_at: fields.now,
          // A new domain: for the next detection claim to enroll (migration 0013).
          detection_dirty: fields.kind === 'Domain' ? 1 : 0,
        })
        .onConflict((oc) => oc.columns(['account_id', 'region', 'name']).doNothing())
        .executeTakeFirst();
      if (fields.kind === 'EmailAddress' && Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
        // An address made again after DeleteIdentity (which leaves its links): the links it was sent
        // before count for the expiry again, as they did when the expiry read every link (migration
        // 0021), so a new Pending address whose every link has ended is Failed at the next run.
        await trx
          .updateTable('email_verifications')
          .set({ expiry_handled: 0 })
          .where('account_id', '=', scope.accountId)
          .where('region', '=', scope.region)
          .where('address', '=', fields.name)
          .where('expiry_handled', '=', 1)
          .execute();
      }
      const row = await trx
        .selectFrom('identities')
        .selectAll()
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .where('name', '=', fields.name)
        .executeTakeFirstOrThrow();
      return toIdentity(row);
    });
  }

  async listIdentities(scope: Scope, query: ListIdentitiesQuery): Promise<ListIdentitiesPage> {
    let q = this.#db
      .selectFrom('identities')
      .select(['id', 'name'])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('id', '>', query.after);
    if (query.kind !== null) q = q.where('kind', '=', query.kind);
    const rows = await q
      .orderBy('id')
      .limit(query.limit + 1)
      .execute();
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const last = page.length > 0 ? Number(page[page.length - 1]!.id) : query.after;
    return { names: page.map((r) => r.name), last, more };
  }

  async deleteIdentity(scope: Scope, name: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('identities')
        .select('id')
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .where('name', '=', name)
        .executeTakeFirst();
      if (!row) return false;
      // Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with foreign_keys on.
      await trx.deleteFrom('dkim_keys').where('identity_id', '=', row.id).execute();
      await trx.deleteFrom('identities').where('id', '=', row.id).execute();
      return true;
    });
  }

  async setDkimEnabled(scope: Scope, name: string, enabled: boolean): Promise<boolean> {
    const result = await this.#db
      .updateTable('identities')
      .set({ dkim_enabled: enabled ? 1 : 0 })
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async getDkimKeys(scope: Scope, domain: string): Promise<StoredDkimKey[]> {
    const rows = await this.#db
      .selectFrom('dkim_keys as k')
      .innerJoin('identities as i', 'i.id', 'k.identity_id')
      .select(['i.name', 'k.token', 'k.position', 'k.bits', 'k.public_key', 'k.sealed_private_key', 'k.state'])
      .where('i.account_id', '=', scope.accountId)
      .where('i.region', '=', scope.region)
      .where('i.name', '=', domain)
      .where('i.kind', '=', 'Domain')
      .orderBy('k.position')
      .execute();
    return rows.map((r) => ({
      domain: r.name,
      token: r.token,
      position: r.position,
      bits: r.bits,
      publicKey: r.public_key,
      sealedPrivateKey: r.sealed_private_key,
      state: r.state as KeyState,
    }));
  }

  async addPoolKeys(keys: readonly PooledKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#db
      .insertInto('key_pool')
      .values(
        keys.map((k) => ({
          bits: k.bits,
          public_key: k.publicKey,
          sealed_private_key: k.sealedPrivateKey,
          created_at: k.createdAt,
        })),
      )
      .execute();
  }

  async countPoolKeys(bits: number): Promise<number> {
    const row = await this.#db
      .selectFrom('key_pool')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('bits', '=', bits)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
