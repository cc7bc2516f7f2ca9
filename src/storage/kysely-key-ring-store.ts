import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { KeyRingStore, RingAdvance, StoredRing } from '../app/key-ring-ports.ts';
import type { KeyLengthHistory, KeyState, RingStep, Scope } from '../core/index.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;
type LockTaken = <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) => SelectQueryBuilder<DB, TB, O>;

/**
 * The key rings over Kysely (issue 16). Each change starts by writing the ring's own row, which takes
 * the write lock on SQLite (one writer; a deferred transaction that only read first could not upgrade
 * once another process wrote) and the row lock on PostgreSQL, so concurrent advances of one ring
 * serialize and each decides on the state the other committed. Key replacements update `public_key`,
 * which the triggers of migration 0002 put on the key zone's change feed in the same transaction.
 */
export class KyselyKeyRingStore implements KeyRingStore {
  readonly #db: Kysely<Database>;
  readonly #lockTaken: LockTaken;

  /** `lockTaken` is the engine's way of locking the pool rows a transaction takes (EngineStrategy). */
  constructor(db: Kysely<Database>, lockTaken: LockTaken) {
    this.#db = db;
    this.#lockTaken = lockTaken;
  }

  async dueRings(now: number, limit: number): Promise<number[]> {
    const rows = await this.#db.selectFrom('dkim_key_rings').select('identity_id').where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
    return rows.map((r) => Number(r.identity_id));
  }

  async advanceRing(identityId: number, now: number, decide: (ring: StoredRing) => RingStep): Promise<RingAdvance> {
    return this.#db.transaction().execute(async (trx): Promise<RingAdvance> => {
      const locked = await trx.updateTable('dkim_key_rings').set({ due_at: null }).where('identity_id', '=', identityId).executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) return { kind: 'gone' };
      const ring = await readRing(trx, identityId);
      if (ring === null) return { kind: 'gone' };
      const step = decide(ring);
      if (step.kind === 'idle') {
        await trx.updateTable('dkim_key_rings').set({ due_at: step.dueAt }).where('identity_id', '=', identityId).execute();
        return { kind: 'idle', dueAt: step.dueAt };
      }
      if (step.kind === 'regenerate') {
        const target = ring.keys.find((k) => k.token === step.token);
        if (target === undefined || target.state === 'active') throw new Error(`refusing to regenerate ${step.token}: not a standing-by key of ${ring.domain}`);
        const pooled = await this.#lockTaken(trx.selectFrom('key_pool').select('id').where('bits', '=', step.bits).orderBy('id').limit(1)).executeTakeFirst();
        if (pooled === undefined) {
          // Looked at again shortly: the pool is being refilled (the use case asks it to).
          await trx.updateTable('dkim_key_rings').set({ due_at: now }).where('identity_id', '=', identityId).execute();
          return { kind: 'pool_short', bits: step.bits };
        }
        const key = await trx
          .deleteFrom('key_pool')
          .where('id', '=', pooled.id)
          .returning(['public_key', 'sealed_private_key', 'bits'])
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('dkim_keys')
          .set({
            bits: key.bits,
            public_key: key.public_key,
            sealed_private_key: key.sealed_private_key,
            state: 'next',
            created_at: now,
            published_at: now,
            activated_at: null,
            retired_at: null,
          })
          .where('identity_id', '=', identityId)
          .where('token', '=', step.token)
          .execute();
        await trx.updateTable('dkim_key_rings').set({ last_generated_at: now, due_at: now }).where('identity_id', '=', identityId).execute();
        return { kind: 'applied', step, ring };
      }
      const next = ring.keys.find((k) => k.token === step.token);
      if (next === undefined || next.state !== 'next') throw new Error(`refusing to activate ${step.token}: not the next key of ${ring.domain}`);
      await trx
        .updateTable('dkim_keys')
        .set({ state: 'previous', retired_at: now })
        .where('identity_id', '=', identityId)
        .where('state', '=', 'active')
        .execute();
      await trx
        .updateTable('dkim_keys')
        .set({ state: 'active', activated_at: now })
        .where('identity_id', '=', identityId)
        .where('token', '=', step.token)
        .execute();
      await trx.updateTable('dkim_key_rings').set({ rotate_requested_at: null, due_at: now }).where('identity_id', '=', identityId).execute();
      return { kind: 'applied', step, ring };
    });
  }

  async ringOf(scope: Scope, domain: string): Promise<StoredRing | null> {
    const id = await this.#identityId(this.#db, scope, domain);
    return id === null ? null : readRing(this.#db, id);
  }

  async requestRotation(scope: Scope, domain: string, now: number): Promise<boolean> {
    const id = await this.#identityId(this.#db, scope, domain);
    if (id === null) return false;
    const result = await this.#db.updateTable('dkim_key_rings').set({ rotate_requested_at: now, due_at: now }).where('identity_id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setNextKeyLength(scope: Scope, domain: string, bits: number, now: number, check: (history: KeyLengthHistory) => void): Promise<boolean> {
    const id = await this.#identityId(this.#db, scope, domain);
    if (id === null) return false;
    return this.#db.transaction().execute(async (trx) => {
      const locked = await trx.updateTable('dkim_key_rings').set({ due_at: now }).where('identity_id', '=', id).executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) return false;
      const row = await trx
        .selectFrom('dkim_key_rings')
        .select(['next_bits', 'length_changed_at', 'downgraded_at'])
        .where('identity_id', '=', id)
        .executeTakeFirstOrThrow();
      const history: KeyLengthHistory = {
        nextBits: row.next_bits,
        lengthChangedAt: nullableNumber(row.length_changed_at),
        downgradedAt: nullableNumber(row.downgraded_at),
      };
      check(history);
      await trx
        .updateTable('dkim_key_rings')
        .set({
          next_bits: bits,
          length_changed_at: now,
          ...(bits < history.nextBits ? { downgraded_at: now } : {}),
          rotate_requested_at: now,
          due_at: now,
        })
        .where('identity_id', '=', id)
        .execute();
      return true;
    });
  }

  async #identityId(db: Db, scope: Scope, domain: string): Promise<number | null> {
    const row = await db
      .selectFrom('identities')
      .select('id')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', domain)
      .where('kind', '=', 'Domain')
      .executeTakeFirst();
    return row ? Number(row.id) : null;
  }
}

function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

async function readRing(db: Db, identityId: number): Promise<StoredRing | null> {
  const head = await db
    .selectFrom('dkim_key_rings as r')
    .innerJoin('identities as i', 'i.id', 'r.identity_id')
    .select(['i.account_id', 'i.region', 'i.name', 'r.next_bits', 'r.last_generated_at', 'r.length_changed_at', 'r.downgraded_at', 'r.rotate_requested_at'])
    .where('r.identity_id', '=', identityId)
    .executeTakeFirst();
  if (head === undefined) return null;
  const keys = await db
    .selectFrom('dkim_keys')
    .select(['token', 'position', 'bits', 'state', 'published_at', 'activated_at', 'retired_at', 'created_at'])
    .where('identity_id', '=', identityId)
    .orderBy('position')
    .execute();
  if (keys.length === 0) return null;
  return {
    identityId,
    scope: { accountId: head.account_id, region: head.region },
    domain: head.name,
    keys: keys.map((k) => ({
      token: k.token,
      position: k.position,
      bits: k.bits,
      state: k.state as KeyState,
      publishedAt: Number(k.published_at ?? k.created_at),
      activatedAt: nullableNumber(k.activated_at),
      retiredAt: nullableNumber(k.retired_at),
    })),
    settings: {
      nextBits: head.next_bits,
      rotateRequestedAt: nullableNumber(head.rotate_requested_at),
      lengthChangedAt: nullableNumber(head.length_changed_at),
      downgradedAt: nullableNumber(head.downgraded_at),
    },
    lastGeneratedAt: Number(head.last_generated_at),
  };
}
