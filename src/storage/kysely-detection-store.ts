import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Scope, VerificationStatus } from '../core/index.ts';
import type { CheckCompletion, DetectionOverview, DetectionStore, DetectionTarget, RecordCheckResult, StoredRecordCheck } from '../app/detection-ports.ts';
import type { DetectionEngine } from './detection-engine.ts';
import { readOnStore, type ReadAside } from './read-aside.ts';
import type { Database } from './schema.ts';

/** IN lists and multi-row inserts are chunked to stay under the engines' bound-parameter limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * How often a store's claims read every identity anyway (migration 0013): for rows no writer of this
 * build flagged, such as an older build's on a shared PostgreSQL. The first claim of each store does.
 */
const FULL_SWEEP_MS = 10 * 60_000;

/** Flagged identities handled per claim; more wait for the next one (a burst of sign-ups). */
const FLAGGED_PER_CLAIM = 5000;

/** The range of ids a full sweep's statements cover, with the event loop let in between (see letTheLoopIn). */
const SWEEP_RANGE = 5_000;

/** Checks written back between two turns of the event loop (see letTheLoopIn). */
const COMPLETIONS_BETWEEN_TURNS = 16;

/**
 * Lets the event loop in between a transaction's statements. On SQLite each statement runs
 * synchronously, and awaiting its promise lets only microtasks run: a claim's or a write-back's
 * transaction of hundreds of statements held the DNS server on the same loop (answering from memory)
 * for 40 to 90 ms at a time at a million identities, and the first claim's full sweep for 1.2 s
 * (bench/detection-dns-latency.ts). The transaction keeps its connection meanwhile (Kysely lends it to
 * one user at a time), so nothing else writes in between; on PostgreSQL the statements wait on the
 * network anyway.
 */
const letTheLoopIn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Which identities a statement covers: one, a list, a range of ids, or every one. */
type Range = { readonly from: number; readonly to: number };
type Which = number | readonly number[] | Range | null;
const isRange = (id: Which): id is Range => typeof id === 'object' && id !== null && !Array.isArray(id);

const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * DetectionStore over Kysely, on the store's own connection (SQLite) or pool (PostgreSQL). Claims are
 * leases: `claimed_until` is written in a transaction that the engine strategy makes exclusive for
 * the rows it picks (see DetectionEngine); `completeChecks` clears it with the results.
 *
 * Note that `pg` returns bigint columns as strings: every id and time read here goes through Number().
 */
export class KyselyDetectionStore implements DetectionStore {
  readonly #db: Kysely<Database>;
  readonly #engine: DetectionEngine;
  /** Where overview's scans of every identity run (ReadAside: SQLite's in a thread of their own). */
  readonly #readAside: ReadAside;
  /** When this store last enrolled and restarted by reading every row (performance.now()); null: never. */
  #sweptAt: number | null = null;

  constructor(db: Kysely<Database>, engine: DetectionEngine, readAside?: ReadAside) {
    this.#db = db;
    this.#engine = engine;
    this.#readAside = readAside ?? readOnStore(db as Kysely<never>);
  }

  async claimDueChecks(now: number, limit: number, leaseMs: number): Promise<DetectionTarget[]> {
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      const sweep = performance.now();
      if (this.#sweptAt === null || sweep - this.#sweptAt >= FULL_SWEEP_MS) {
        // Everything: rows no writer of this build flagged (see migration 0013). Flags stay: the
        // next claim handles them again, which changes nothing, rather than clear one set since.
        await this.#sweepAll(trx, now);
        this.#sweptAt = sweep;
      } else {
        await this.#handleFlagged(trx, now);
      }
      await letTheLoopIn();
      const picked = this.#engine.lockPicked(
        trx
          .selectFrom('detection_checks')
          .select('identity_id')
          .where('next_check_at', '<=', now)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
          .orderBy('next_check_at')
          .limit(limit),
      );
      const leased = await this.#lease(trx, picked, now + leaseMs);
      await letTheLoopIn();
      return this.#targets(trx, leased);
    });
  }

  /** Enrolls and restarts every identity that needs it, a range of ids at a time (see letTheLoopIn). */
  async #sweepAll(trx: Kysely<Database>, now: number): Promise<void> {
    // Each range starts at the first id after the last one, so that gaps in the ids (deleted
    // identities; ids an insert that found its row took anyway, on both engines) cost a seek, not a
    // range each. A lone min() is read from the end of the key.
    const firstAfter = async (id: number) =>
      (
        await trx
          .selectFrom('identities')
          .select((eb) => eb.fn.min('id').as('id'))
          .where('id', '>', id)
          .executeTakeFirst()
      )?.id ?? null;
    for (let from = await firstAfter(0); from !== null; from = await firstAfter(Number(from) + SWEEP_RANGE - 1)) {
      const range = { from: Number(from), to: Number(from) + SWEEP_RANGE - 1 };
      await this.#enroll(trx, now, range);
      await letTheLoopIn();
      await this.#restartChanged(trx, now, range);
      await letTheLoopIn();
    }
  }

  async claimDomain(scope: Scope, domain: string, now: number, leaseMs: number): Promise<DetectionTarget | null | 'claimed'> {
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      const row = await trx
        .selectFrom('identities')
        .select('id')
        .where('account_id', '=', scope.accountId)
        .where('region', '=', scope.region)
        .where('name', '=', domain)
        .where('kind', '=', 'Domain')
        .executeTakeFirst();
      if (!row) return null;
      const id = Number(row.id);
      await this.#enroll(trx, now, id);
      await this.#restartChanged(trx, now, id);
      const picked = this.#engine.lockPicked(
        trx
          .selectFrom('detection_checks')
          .select('identity_id')
          .where('identity_id', '=', id)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)])),
      );
      if ((await this.#lease(trx, picked, now + leaseMs)).length === 0) return 'claimed';
      return (await this.#targets(trx, [id]))[0] ?? null;
    });
  }

  /**
   * Enrolls and restarts only the identities the store's writers flagged (detection_dirty, migration
   * 0013; read through its partial index), then clears their flags: a claim's cost no longer grows
   * with the number of identities. The flagged rows are picked and locked as claims lock theirs
   * (PostgreSQL: FOR UPDATE SKIP LOCKED), so a writer flagging one again waits for this transaction
   * and its flag is handled by the next claim, never cleared unseen.
   */
  async #handleFlagged(trx: Kysely<Database>, now: number): Promise<void> {
    const flagged = await this.#engine
      // A literal, not a parameter: only then may the planners use the partial index (its WHERE
      // must be implied by the query's, which a parameter's unknown value does not do).
      .lockPicked(trx.selectFrom('identities').select('id').where('detection_dirty', '=', sql.lit(1)).orderBy('id').limit(FLAGGED_PER_CLAIM))
      .execute();
    for (const part of chunks(flagged.map((r) => Number(r.id)))) {
      await this.#enroll(trx, now, part);
      await this.#restartChanged(trx, now, part);
      await this.#clearFlags(trx, part);
      await letTheLoopIn();
    }
  }

  async #clearFlags(trx: Kysely<Database>, ids: readonly number[]): Promise<void> {
    await trx.updateTable('identities').set({ detection_dirty: 0 }).where('id', 'in', ids).execute();
  }

  /** Writes the lease on the rows `picked` selects (locked as the engine locks them); their ids. */
  async #lease(trx: Kysely<Database>, picked: SelectQueryBuilder<Database, 'detection_checks', { identity_id: number }>, until: number): Promise<number[]> {
    const claimed = await trx
      .updateTable('detection_checks')
      .set({ claimed_until: until })
      .where('identity_id', 'in', picked)
      .returning('identity_id')
      .execute();
    return claimed.map((r) => Number(r.identity_id));
  }

  /**
   * New domain identities get a detection row, due at once. DKIM detection starts when the tokens
   * were created (the keys' creation time), or with the identity while it has no tokens. ON CONFLICT
   * DO NOTHING: another node may enroll the same identity at the same moment.
   */
  async #enroll(trx: Kysely<Database>, now: number, id: Which): Promise<void> {
    await trx
      .insertInto('detection_checks')
      .columns(['identity_id', 'dkim_started_at', 'dkim_status_seen', 'next_check_at'])
      .expression((eb) =>
        eb
          .selectFrom('identities as i')
          .select((s) => [
            'i.id',
            s.fn
              .coalesce(
                s
                  .selectFrom('dkim_keys as k')
                  .select((k) => k.fn.min('k.created_at').as('first'))
                  .whereRef('k.identity_id', '=', 'i.id'),
                'i.created_at',
              )
              .as('started'),
            'i.dkim_status',
            // Typed, so that PostgreSQL does not take the bare parameter for text.
            sql<number>`cast(${now} as bigint)`.as('due'),
          ])
          .where('i.kind', '=', 'Domain')
          .where((w) => w.not(w.exists(w.selectFrom('detection_checks as d').select('d.identity_id').whereRef('d.identity_id', '=', 'i.id'))))
          .$if(typeof id === 'number', (q) => q.where('i.id', '=', id as number))
          .$if(Array.isArray(id), (q) => q.where('i.id', 'in', id as number[]))
          .$if(isRange(id), (q) => q.where('i.id', '>=', (id as Range).from).where('i.id', '<=', (id as Range).to)),
      )
      .onConflict((oc) => oc.column('identity_id').doNothing())
      .execute();
  }

  /** Someone else changed the DKIM status since detection last wrote it (VerifyDomainDkim on a domain without DKIM): start over. */
  async #restartChanged(trx: Kysely<Database>, now: number, id: Which): Promise<void> {
    await trx
      .updateTable('detection_checks as d')
      .from('identities as i')
      .set((eb) => ({
        dkim_started_at: now,
        dkim_last_found_at: null,
        dkim_grace_started_at: null,
        dkim_status_seen: eb.ref('i.dkim_status'),
        next_check_at: now,
      }))
      .whereRef('i.id', '=', 'd.identity_id')
      .whereRef('i.dkim_status', '<>', 'd.dkim_status_seen')
      .$if(typeof id === 'number', (q) => q.where('i.id', '=', id as number))
      .$if(Array.isArray(id), (q) => q.where('i.id', 'in', id as number[]))
      // Both sides bounded, so that either engine may walk either table by the range.
      .$if(isRange(id), (q) =>
        q
          .where('i.id', '>=', (id as Range).from)
          .where('i.id', '<=', (id as Range).to)
          .where('d.identity_id', '>=', (id as Range).from)
          .where('d.identity_id', '<=', (id as Range).to),
      )
      .execute();
  }

  async #targets(trx: Kysely<Database>, ids: readonly number[]): Promise<DetectionTarget[]> {
    const out: DetectionTarget[] = [];
    for (const part of chunks(ids)) {
      const tokens = new Map<number, string[]>();
      const tokenRows = await trx
        .selectFrom('dkim_keys')
        .select(['identity_id', 'token'])
        .where('identity_id', 'in', part)
        .orderBy('identity_id')
        .orderBy('position')
        .execute();
      for (const r of tokenRows) {
        const id = Number(r.identity_id);
        const list = tokens.get(id) ?? [];
        list.push(r.token);
        tokens.set(id, list);
      }
      await letTheLoopIn();
      const rows = await trx
        .selectFrom('detection_checks as d')
        .innerJoin('identities as i', 'i.id', 'd.identity_id')
        .select([
          'd.identity_id',
          'i.account_id',
          'i.region',
          'i.name',
          'i.verification_status',
          'i.verification_token',
          'i.created_at',
          'i.dkim_status',
          'd.dkim_started_at',
          'd.dkim_last_found_at',
          'd.dkim_grace_started_at',
        ])
        .where('d.identity_id', 'in', part)
        .orderBy('d.next_check_at')
        .execute();
      for (const r of rows) {
        const id = Number(r.identity_id);
        out.push({
          identityId: id,
          scope: { accountId: r.account_id, region: r.region },
          domain: r.name,
          tokens: tokens.get(id) ?? [],
          verificationToken: r.verification_token,
          verificationStatus: r.verification_status as VerificationStatus,
          createdAt: Number(r.created_at),
          dkim: {
            status: r.dkim_status as VerificationStatus,
            startedAt: Number(r.dkim_started_at),
            lastFoundAt: nullableNumber(r.dkim_last_found_at),
            graceStartedAt: nullableNumber(r.dkim_grace_started_at),
          },
        });
      }
    }
    return out;
  }

  async overview(now: number, overdueAfterMs: number): Promise<DetectionOverview> {
    // Counts over every identity (and the overdue checks, as many as there are): read aside, where
    // they hold up nothing else (ReadAside).
    const read = await this.#readAside([
      this.#db
        .selectFrom('identities')
        .select(['kind', 'verification_status', (eb) => eb.fn.countAll().as('n')])
        .groupBy(['kind', 'verification_status'])
        .compile(),
      this.#db
        .selectFrom('identities')
        .where('kind', '=', 'Domain')
        .select(['dkim_status', (eb) => eb.fn.countAll().as('n')])
        .groupBy('dkim_status')
        .compile(),
      this.#db
        .selectFrom('external_dkim_keys')
        .select(['status', (eb) => eb.fn.countAll().as('n')])
        .groupBy('status')
        .compile(),
      // Due long ago and held by nobody: the workers are behind, stopped, or cannot reach the store.
      this.#db
        .selectFrom('detection_checks')
        .where('next_check_at', 'is not', null)
        .where('next_check_at', '<', now - overdueAfterMs)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .select((eb) => eb.fn.countAll().as('n'))
        .compile(),
    ]);
    const [verification, dkim, external, overdue] = read.rows as [
      ReadonlyArray<{ kind: string; verification_status: string; n: unknown }>,
      ReadonlyArray<{ dkim_status: string; n: unknown }>,
      ReadonlyArray<{ status: string; n: unknown }>,
      ReadonlyArray<{ n: unknown }>,
    ];
    return {
      verification: verification.map((r) => ({ kind: r.kind, status: r.verification_status, count: Number(r.n) })),
      dkim: dkim.map((r) => ({ status: r.dkim_status, count: Number(r.n) })),
      external: external.map((r) => ({ status: r.status, count: Number(r.n) })),
      overdue: Number(overdue[0]?.n ?? 0),
      readMs: read.ms,
    };
  }

  async completeChecks(completions: readonly CheckCompletion[]): Promise<void> {
    if (completions.length === 0) return;
    await this.#engine.writeTransaction(this.#db, async (trx) => {
      const records: { identity_id: number; checked_at: number; r: RecordCheckResult }[] = [];
      for (const [i, c] of completions.entries()) {
        if (await this.#complete(trx, c)) {
          for (const r of c.records) records.push({ identity_id: c.identityId, checked_at: c.checkedAt, r });
        }
        if (i % COMPLETIONS_BETWEEN_TURNS === COMPLETIONS_BETWEEN_TURNS - 1) await letTheLoopIn();
      }
      for (const part of chunks(records, 200)) {
        await letTheLoopIn();
        await trx
          .insertInto('detection_record_results')
          .values(
            part.map(({ identity_id, checked_at, r }) => ({
              identity_id,
              name: r.name,
              type: r.type,
              verdict: r.verdict,
              observed: r.observed,
              checked_at,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['identity_id', 'name', 'type']).doUpdateSet((eb) => ({
              verdict: eb.ref('excluded.verdict'),
              observed: eb.ref('excluded.observed'),
              checked_at: eb.ref('excluded.checked_at'),
              checks: eb('detection_record_results.checks', '+', 1),
            })),
          )
          .execute();
      }
    });
  }

  /** Writes one check back; false when there is nothing to keep (deleted, or DKIM restarted under it). */
  async #complete(trx: Kysely<Database>, c: CheckCompletion): Promise<boolean> {
    const id = c.identityId;
    if (c.dkim !== null) {
      // Compare-and-set: a DKIM status changed by someone else since the claim is not overwritten.
      const changed = await trx
        .updateTable('identities')
        .set({ dkim_status: c.dkim.status })
        .where('id', '=', id)
        .where('dkim_status', '=', c.previousDkimStatus)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) {
        // Release it due now: the next claim sees the new status and starts over.
        await trx
          .updateTable('detection_checks')
          .set({ next_check_at: c.checkedAt, claimed_until: null, last_checked_at: c.checkedAt })
          .where('identity_id', '=', id)
          .execute();
        return false;
      }
    }
    const finished = await trx
      .updateTable('detection_checks')
      .set({
        ...(c.dkim === null
          ? {}
          : {
              dkim_started_at: c.dkim.startedAt,
              dkim_last_found_at: c.dkim.lastFoundAt,
              dkim_grace_started_at: c.dkim.graceStartedAt,
              dkim_status_seen: c.dkim.status,
            }),
        next_check_at: c.nextCheckAt,
        claimed_until: null,
        last_checked_at: c.checkedAt,
      })
      .where('identity_id', '=', id)
      .executeTakeFirst();
    if (Number(finished.numUpdatedRows) === 0) return false; // the identity was deleted during the check
    // Success is final (core nextVerificationStatus never leaves it); it may have been written since
    // this check read the identity, e.g. by a BYODKIM key reaching Success, so never undo it here.
    await trx
      .updateTable('identities')
      .set({ verification_status: c.verificationStatus })
      .where('id', '=', id)
      .where('verification_status', '<>', c.verificationStatus)
      .where('verification_status', '<>', 'Success')
      .execute();
    return true;
  }

  async getRecordChecks(scope: Scope, domain: string): Promise<StoredRecordCheck[]> {
    const rows = await this.#db
      .selectFrom('detection_record_results as r')
      .innerJoin('identities as i', 'i.id', 'r.identity_id')
      .select(['r.name', 'r.type', 'r.verdict', 'r.observed', 'r.checked_at', 'r.checks'])
      .where('i.account_id', '=', scope.accountId)
      .where('i.region', '=', scope.region)
      .where('i.name', '=', domain)
      .orderBy('r.type')
      .orderBy('r.name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      type: r.type as StoredRecordCheck['type'],
      verdict: r.verdict as StoredRecordCheck['verdict'],
      observed: r.observed,
      checkedAt: Number(r.checked_at),
      checks: Number(r.checks),
    }));
  }
}
