import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Stands for an argument (or one element of a list argument) while a query is compiled once. */
class Slot {
  constructor(
    readonly index: number,
    readonly element: number | null,
  ) {}
}

type Argument = string | number | null | readonly (string | number)[];

/**
 * A query built with Kysely's builder and compiled once per database and shape (the lengths of its
 * list arguments), then run with each call's values. Kysely builds and compiles a query on every call:
 * on SES v2's GetEmailIdentity, five reads, that was about a quarter of the server's CPU (a profile under
 * bench/sesv2-get-vs-v1.ts). Only for queries whose SQL depends on nothing but their arguments' values
 * and list lengths: `build` runs once with stand-ins, so it must not branch on them.
 */
export function preparedQuery<DB, A extends Argument[], R>(build: (db: Kysely<DB>, ...args: A) => Compilable<R>): (db: Kysely<DB>, ...args: A) => Promise<R[]> {
  const templates = new WeakMap<Kysely<DB>, Map<string, CompiledQuery>>();
  return async (db, ...args) => {
    let byShape = templates.get(db);
    if (byShape === undefined) {
      byShape = new Map();
      templates.set(db, byShape);
    }
    const shape = args.map((a) => (Array.isArray(a) ? a.length : '.')).join(',');
    // Its parameters are the values to use: a Slot (an argument, an element of one) or a constant.
    let template = byShape.get(shape);
    if (template === undefined) {
      const slots = args.map((a, i) => (Array.isArray(a) ? a.map((_, j) => new Slot(i, j)) : new Slot(i, null))) as unknown as A;
      template = build(db, ...slots).compile();
      byShape.set(shape, template);
    }
    const parameters = template.parameters.map((p) =>
      p instanceof Slot ? (p.element === null ? args[p.index] : (args[p.index] as readonly unknown[])[p.element]) : p,
    );
    const result = await db.executeQuery<R>({ ...template, parameters } as CompiledQuery<R>);
    return result.rows;
  };
}
