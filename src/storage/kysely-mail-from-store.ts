import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { MailFromChange, MailFromCompletion, MailFromRecordsSeen, MailFromStore, MailFromTarget } from '../app/mail-from-ports.ts';
import type { BehaviorOnMxFailure, MailFromMxVerdict, MailFromSettings, MailFromSpfVerdict, MailFromStatus, Scope } from '../core/index.ts';
import type { DetectionEngine } from './detection-engine.ts';
import type { Database } from './schema.ts';

const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** IN lists are chunked to stay under the engines' bound-parameter limits. */
const CHUNK = 500;

/**
 * Custom MAIL FROM set-ups and their detection over Kysely (one SQL for both engines). Claims are
 * leases written in a transaction the engine strategy makes exclusive for the rows it picks, as
 * KyselyDetectionStore's are. `pg` returns bigint columns as strings: times go through Number().
 */
export class KyselyMailFromStore implements MailFromStore {
  readonly #db: Kysely<Database>;
  readonly #engine: DetectionEngine;

  constructor(db: Kysely<Database>, engine: DetectionEngine) {
    this.#db = db;
    this.#engine = engine;
  }

  async put(scope: Scope, identity: string, change: MailFromChange, now: number): Promise<boolean> {
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      const row = await trx
        .selectFrom('identities as i')
        .leftJoin('identity_mail_from as m', 'm.identity_id', 'i.id')
        .select(['i.id', 'm.identity_id as has_row', 'm.mail_from_domain', 'm.status'])
        .where('i.account_id', '=', scope.accountId)
        .where('i.region', '=', scope.region)
        .where('i.name', '=', identity)
        .executeTakeFirst();
      if (!row) return false;
      const id = Number(row.id);
      const keep = row.has_row !== null && change.mailFromDomain !== null && row.mail_from_domain === change.mailFromDomain && row.status !== 'Failed';
      if (keep) {
        await trx.updateTable('identity_mail_from').set({ behavior_on_mx_failure: change.behaviorOnMxFailure }).where('identity_id', '=', id).execute();
        return true;
      }
      // A new domain (or none) starts over: Pending, due now, no verdicts; a claim under way is
      // released, and its completion is dropped (it was about another domain or start).
      const fresh = {
        mail_from_domain: change.mailFromDomain,
        behavior_on_mx_failure: change.behaviorOnMxFailure,
        status: 'Pending',
        started_at: now,
        last_found_at: null,
        grace_started_at: null,
        next_check_at: change.mailFromDomain === null ? null : now,
        claimed_until: null,
        last_checked_at: null,
        mx_verdict: null,
        mx_observed: null,
        spf_verdict: null,
        spf_observed: null,
      };
      if (row.has_row === null)
        await trx
          .insertInto('identity_mail_from')
          .values({ identity_id: id, ...fresh })
          .execute();
      else await trx.updateTable('identity_mail_from').set(fresh).where('identity_id', '=', id).execute();
      return true;
    });
  }

  async get(scope: Scope, identities: readonly string[]): Promise<Map<string, MailFromSettings>> {
    const out = new Map<string, MailFromSettings>();
    for (let i = 0; i < identities.length; i += CHUNK) {
      const part = identities.slice(i, i + CHUNK);
      if (part.length === 0) continue;
      const rows = await this.#db
        .selectFrom('identity_mail_from as m')
        .innerJoin('identities as i', 'i.id', 'm.identity_id')
        .select(['i.name', 'm.mail_from_domain', 'm.behavior_on_mx_failure', 'm.status'])
        .where('i.account_id', '=', scope.accountId)
        .where('i.region', '=', scope.region)
        .where('i.name', 'in', part)
        .execute();
      for (const r of rows) {
        out.set(r.name, {
          mailFromDomain: r.mail_from_domain,
          behaviorOnMxFailure: r.behavior_on_mx_failure as BehaviorOnMxFailure,
          status: r.status as MailFromStatus,
        });
      }
    }
    return out;
  }

  async lastRecords(scope: Scope, identity: string): Promise<MailFromRecordsSeen | null> {
    const r = await this.#db
      .selectFrom('identity_mail_from as m')
      .innerJoin('identities as i', 'i.id', 'm.identity_id')
      .select(['m.last_checked_at', 'm.mx_verdict', 'm.mx_observed', 'm.spf_verdict', 'm.spf_observed'])
      .where('i.account_id', '=', scope.accountId)
      .where('i.region', '=', scope.region)
      .where('i.name', '=', identity)
      .executeTakeFirst();
    if (!r || r.last_checked_at === null || r.mx_verdict === null || r.spf_verdict === null) return null;
    return {
      checkedAt: Number(r.last_checked_at),
      mx: { verdict: r.mx_verdict as MailFromMxVerdict, observed: r.mx_observed ?? '' },
      spf: { verdict: r.spf_verdict as MailFromSpfVerdict, observed: r.spf_observed ?? '' },
    };
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<MailFromTarget[]> {
    // The worker asks every poll, and most polls find nothing: a plain read first, so that an idle
    // poll takes no write lock (SQLite's is the whole file's, shared with every other process).
    const any = await this.#due(this.#db, now).select('identity_id').limit(1).executeTakeFirst();
    if (!any) return [];
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      const picked = this.#engine.lockPicked(this.#due(trx, now).select('identity_id').orderBy('next_check_at').limit(limit));
      return this.#targets(trx, await this.#lease(trx, picked, now + leaseMs));
    });
  }

  async claimIdentity(scope: Scope, identity: string, now: number, leaseMs: number): Promise<MailFromTarget | null | 'claimed'> {
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      const row = await trx
        .selectFrom('identity_mail_from as m')
        .innerJoin('identities as i', 'i.id', 'm.identity_id')
        .select('m.identity_id')
        .where('i.account_id', '=', scope.accountId)
        .where('i.region', '=', scope.region)
        .where('i.name', '=', identity)
        .where('m.mail_from_domain', 'is not', null)
        .executeTakeFirst();
      if (!row) return null;
      const id = Number(row.identity_id);
      const picked = this.#engine.lockPicked(
        trx
          .selectFrom('identity_mail_from')
          .select('identity_id')
          .where('identity_id', '=', id)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)])),
      );
      if ((await this.#lease(trx, picked, now + leaseMs)).length === 0) return 'claimed';
      return (await this.#targets(trx, [id]))[0] ?? null;
    });
  }

  /** Rows with a domain whose next check has come and whose lease, if any, has run out. */
  #due(db: Kysely<Database>, now: number) {
    return db
      .selectFrom('identity_mail_from')
      .where('mail_from_domain', 'is not', null)
      .where('next_check_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]));
  }

  async #lease(trx: Kysely<Database>, picked: SelectQueryBuilder<Database, 'identity_mail_from', { identity_id: number }>, until: number): Promise<number[]> {
    const claimed = await trx
      .updateTable('identity_mail_from')
      .set({ claimed_until: until })
      .where('identity_id', 'in', picked)
      .returning('identity_id')
      .execute();
    return claimed.map((r) => Number(r.identity_id));
  }

  async #targets(trx: Kysely<Database>, ids: readonly number[]): Promise<MailFromTarget[]> {
    const out: MailFromTarget[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const rows = await trx
        .selectFrom('identity_mail_from as m')
        .innerJoin('identities as i', 'i.id', 'm.identity_id')
        .select([
          'm.identity_id',
          'i.account_id',
          'i.region',
          'i.name',
          'm.mail_from_domain',
          'm.status',
          'm.started_at',
          'm.last_found_at',
          'm.grace_started_at',
        ])
        .where('m.identity_id', 'in', part)
        .orderBy('m.next_check_at')
        .execute();
      for (const r of rows) {
        if (r.mail_from_domain === null) continue;
        out.push({
          identityId: Number(r.identity_id),
          scope: { accountId: r.account_id, region: r.region },
          identity: r.name,
          mailFromDomain: r.mail_from_domain,
          state: {
            status: r.status as MailFromStatus,
            startedAt: Number(r.started_at),
            lastFoundAt: nullableNumber(r.last_found_at),
            graceStartedAt: nullableNumber(r.grace_started_at),
          },
        });
      }
    }
    return out;
  }

  async complete(completions: readonly MailFromCompletion[]): Promise<void> {
    if (completions.length === 0) return;
    await this.#engine.writeTransaction(this.#db, async (trx) => {
      for (const c of completions) {
        // Compare-and-set on the domain and start the check was about: a set-up changed while the
        // check ran (SetIdentityMailFromDomain again) is not overwritten; put() released the claim.
        await trx
          .updateTable('identity_mail_from')
          .set({
            status: c.state.status,
            last_found_at: c.state.lastFoundAt,
            grace_started_at: c.state.graceStartedAt,
            next_check_at: c.nextCheckAt,
            claimed_until: null,
            last_checked_at: c.checkedAt,
            mx_verdict: c.mx.verdict,
            mx_observed: c.mx.observed,
            spf_verdict: c.spf.verdict,
            spf_observed: c.spf.observed,
          })
          .where('identity_id', '=', c.identityId)
          .where('mail_from_domain', '=', c.mailFromDomain)
          .where('started_at', '=', c.startedAt)
          .execute();
      }
    });
  }
}
