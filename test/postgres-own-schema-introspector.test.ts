/**
 * Kysely's Migrator looks for its own tables through the dialect's introspector. Kysely's own
 * PostgreSQL introspector resolves every table of the database by name after scanning the catalog,
 * so a schema another session drops in between fails it (CI: "relation
 * signet_t_….kysely_migration does not exist" while another test file dropped its schema). The
 * race is made deterministic here with a repeatable-read snapshot taken before the drop.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Kysely, PostgresIntrospector } from 'kysely';
import pg from 'pg';
import { OwnSchemaIntrospector, OwnSchemaPostgresDialect } from '../src/storage/postgres/own-schema-introspector.ts';
import { openPostgresStore, postgresKysely } from '../src/storage/postgres/open-postgres-store.ts';
import { peerOrSkip } from './helpers/peers.ts';
import { dropSchemas, freshSchema, postgresReachable } from './helpers/postgres.ts';

const url = await postgresReachable();
const skip = peerOrSkip('PostgreSQL', url, 'a server at 127.0.0.1:5432 with database test, or SIGNET_TEST_DATABASE_URL').skip;
after(dropSchemas);

describe("the PostgreSQL introspector reads Signet's schema alone", { skip }, () => {
  /** Runs `introspect` in a snapshot taken while another schema existed, after another session dropped it. */
  async function afterConcurrentDrop<T>(ownSchema: string, introspect: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    const other = freshSchema();
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    const db = new Kysely<unknown>({
      dialect: new OwnSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: url!, options: `-c search_path=${ownSchema}`, max: 1 }) }),
    });
    try {
      await admin.query(`create schema if not exists "${ownSchema}"; create table if not exists "${ownSchema}".mine (id serial primary key)`);
      await admin.query(`create schema "${other}"; create table "${other}".theirs (id serial primary key)`);
      return await db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          await trx.selectNoFrom((eb) => eb.lit(1).as('one')).execute(); // the snapshot: the other schema exists
          await admin.query(`drop schema "${other}" cascade`);
          return introspect(trx);
        });
    } finally {
      await admin.query(`drop schema if exists "${other}" cascade`);
      await admin.end();
      await db.destroy();
    }
  }

  // If this fails after a Kysely upgrade, Kysely no longer has the race, and OwnSchemaIntrospector
  // may be retired.
  it("Kysely's own introspector fails when another session drops a schema meanwhile (the race this avoids)", async () => {
    await assert.rejects(
      afterConcurrentDrop(freshSchema(), (db) => new PostgresIntrospector(db).getTables({ withInternalKyselyTables: true })),
      (err: { code?: string }) => err.code === '3F000' || err.code === '42P01',
    );
  });

  it('lists the tables of its own schema, and is not failed by the drop', async () => {
    const own = freshSchema();
    const tables = await afterConcurrentDrop(own, (db) => new OwnSchemaIntrospector(db).getTables());
    assert.deepEqual(tables, [{ name: 'mine', schema: own, isView: false, columns: [] }]);
  });

  it("opening a store never asks Kysely's introspector for the tables", async () => {
    const original = PostgresIntrospector.prototype.getTables;
    PostgresIntrospector.prototype.getTables = () => Promise.reject(new Error("Kysely's getTables was called"));
    try {
      const store = await openPostgresStore({ url: url!, schema: freshSchema(), maxConnections: 2 });
      try {
        assert.equal(await store.schemaIsCurrent(), true);
      } finally {
        await store.close();
      }
    } finally {
      PostgresIntrospector.prototype.getTables = original;
    }
  });

  it("is the introspector of the store's connection, which migrates with it", async () => {
    const own = freshSchema();
    const store = await openPostgresStore({ url: url!, schema: own, maxConnections: 2 });
    const db = postgresKysely(new pg.Pool({ connectionString: url!, options: `-c search_path=${own}`, max: 1 }));
    try {
      assert.equal(await store.schemaIsCurrent(), true);
      assert.ok(db.introspection instanceof OwnSchemaIntrospector);
      const tables = await db.introspection.getTables();
      const names = tables.map((t) => t.name);
      assert.ok(names.includes('kysely_migration') && names.includes('identities'), names.join(','));
      assert.ok(tables.every((t) => t.schema === own));
    } finally {
      await db.destroy();
      await store.close();
    }
  });
});
