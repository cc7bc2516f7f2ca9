import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, SqliteDialect } from 'kysely';
import { preparedQuery } from './prepared-query.ts';
import { BetterSqlite3 } from './sqlite/better-sqlite3.ts';

interface Db {
  t: { id: number; scope: string; name: string; kind: string };
}

function database(): Kysely<Db> {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, scope TEXT, name TEXT, kind TEXT)`);
  const insert = sqlite.prepare('INSERT INTO t (scope, name, kind) VALUES (?, ?, ?)');
  for (const [scope, name, kind] of [
    ['a', 'x', 'Domain'],
    ['a', 'y', 'Domain'],
    ['a', 'z', 'EmailAddress'],
    ['b', 'x', 'Domain'],
  ]) {
    insert.run(scope, name, kind);
  }
  return new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
}

const byNames = (db: Kysely<Db>, scope: string, names: string[]) =>
  db.selectFrom('t').select(['scope', 'name']).where('scope', '=', scope).where('kind', '=', 'Domain').where('name', 'in', names).orderBy('name');

test('a prepared query answers as the builder does, for each call values, list lengths and databases', async () => {
  const query = preparedQuery(byNames);
  const one = database();
  const two = database();
  try {
    const cases: [string, string[]][] = [
      ['a', ['x']],
      ['a', ['x', 'y']],
      ['b', ['x', 'y']],
      ['a', ['z']], // the constant 'Domain' is kept, not taken for an argument
      ['a', ['y', 'x', 'q']],
      ['b', ['y']],
    ];
    for (const db of [one, two]) {
      for (const [scope, names] of cases) {
        assert.deepEqual(await query(db, scope, names), await byNames(db, scope, names).execute(), `${scope} ${names.join(',')}`);
      }
    }
    assert.deepEqual(await query(one, 'a', ['x', 'y']), [
      { scope: 'a', name: 'x' },
      { scope: 'a', name: 'y' },
    ]);
  } finally {
    await one.destroy();
    await two.destroy();
  }
});
