import type { Kysely } from 'kysely';
import type { DomainKeys, EmailIdentityStore, IdentityDescription, IdentityDetails, IdentityTag, RecordVerdict } from '../app/email-identity-ports.ts';
import { NO_DETAILS } from '../app/email-identity-ports.ts';
import type { BehaviorOnMxFailure, MailFromStatus, Scope } from '../core/index.ts';
import { preparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';

// One row per kept record verdict (at most four), or one row without: a single round trip.
const describeQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, name: string) =>
  db
    .selectFrom('identities as i')
    .leftJoin('identity_details as d', 'd.identity_id', 'i.id')
    .leftJoin('detection_checks as c', 'c.identity_id', 'i.id')
    .leftJoin('detection_record_results as r', 'r.identity_id', 'i.id')
    .leftJoin('identity_mail_from as m', 'm.identity_id', 'i.id')
    .select([
      'd.tags',
      'd.configuration_set_name',
      'c.last_checked_at',
      'c.dkim_last_found_at',
      'r.type',
      'r.verdict',
      'm.mail_from_domain',
      'm.behavior_on_mx_failure',
      'm.status as mail_from_status',
    ])
    .where('i.account_id', '=', accountId)
    .where('i.region', '=', region)
    .where('i.name', '=', name)
    .orderBy('r.name'),
);

const domainKeysQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, domain: string) =>
  db
    .selectFrom('dkim_keys as k')
    .innerJoin('identities as i', 'i.id', 'k.identity_id')
    .leftJoin('dkim_key_rings as r', 'r.identity_id', 'i.id')
    .select(['k.token', 'k.bits', 'k.state', 'k.created_at', 'r.next_bits', 'r.last_generated_at'])
    .where('i.account_id', '=', accountId)
    .where('i.region', '=', region)
    .where('i.name', '=', domain)
    .where('i.kind', '=', 'Domain')
    .orderBy('k.position'),
);

/** SES v2's per-identity details, key facts and detection results, over either engine (one SQL for both). */
export class KyselyEmailIdentityStore implements EmailIdentityStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #identityId(db: Kysely<Database>, scope: Scope, name: string) {
    return db.selectFrom('identities').select('id').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name);
  }

  async putDetails(scope: Scope, name: string, details: IdentityDetails): Promise<boolean> {
    const tags = JSON.stringify(details.tags.map((t) => ({ key: t.key, value: t.value })));
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#identityId(trx, scope, name).executeTakeFirst();
      if (!row) return false;
      // Delete then insert: one statement shape for both engines (no dialect-specific upsert needed).
      await trx.deleteFrom('identity_details').where('identity_id', '=', row.id).execute();
      await trx.insertInto('identity_details').values({ identity_id: row.id, tags, configuration_set_name: details.configurationSetName }).execute();
      return true;
    });
  }

  async describe(scope: Scope, name: string): Promise<IdentityDescription> {
    const rows = await describeQuery(this.#db, scope.accountId, scope.region, name);
    const row = rows[0];
    if (!row) return { details: NO_DETAILS, lastCheckedAt: null, lastFoundAt: null, records: [], mailFrom: null };
    const details: IdentityDetails =
      row.tags === null
        ? NO_DETAILS
        : {
            tags: (JSON.parse(row.tags) as { key: string; value: string }[]).map((t): IdentityTag => ({ key: t.key, value: t.value })),
            configurationSetName: row.configuration_set_name,
          };
    return {
      details,
      lastCheckedAt: row.last_checked_at == null ? null : Number(row.last_checked_at),
      lastFoundAt: row.dkim_last_found_at == null ? null : Number(row.dkim_last_found_at),
      records: rows
        .filter((r) => r.type !== null && r.verdict !== null)
        .map((r) => ({ type: r.type as RecordVerdict['type'], verdict: r.verdict as RecordVerdict['verdict'] })),
      mailFrom:
        row.behavior_on_mx_failure === null || row.mail_from_status === null
          ? null
          : {
              mailFromDomain: row.mail_from_domain,
              behaviorOnMxFailure: row.behavior_on_mx_failure as BehaviorOnMxFailure,
              status: row.mail_from_status as MailFromStatus,
            },
    };
  }

  async domainKeys(scope: Scope, domain: string): Promise<DomainKeys | null> {
    const rows = await domainKeysQuery(this.#db, scope.accountId, scope.region, domain);
    if (rows.length === 0) return null;
    const active = rows.find((r) => r.state === 'active') ?? rows[0]!;
    // The ring (migration 0011) keeps NextSigningKeyLength and LastKeyGenerationTimestamp.
    const ring = rows[0]!;
    return {
      tokens: rows.map((r) => r.token),
      currentBits: active.bits,
      nextBits: ring.next_bits ?? active.bits,
      lastGeneratedAt: ring.last_generated_at !== null ? Number(ring.last_generated_at) : Math.max(...rows.map((r) => Number(r.created_at))),
    };
  }
}
