import type { Kysely } from 'kysely';
import type {
  DomainKeyFacts,
  EmailIdentityStore,
  IdentityDetails,
  IdentityTag,
  VerificationChecks,
} from '../app/email-identity-ports.ts';
import { NO_DETAILS } from '../app/email-identity-ports.ts';
import type { Scope } from '../core/index.ts';
import type { Database } from './schema.ts';

/** SES v2's per-identity details, key facts and detection results, over either engine (one SQL for both). */
export class KyselyEmailIdentityStore implements EmailIdentityStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #identityId(db: Kysely<Database>, scope: Scope, name: string) {
    return db
      .selectFrom('identities')
      .select('id')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', name);
  }

  async putDetails(scope: Scope, name: string, details: IdentityDetails): Promise<boolean> {
    const tags = JSON.stringify(details.tags.map((t) => ({ key: t.key, value: t.value })));
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#identityId(trx, scope, name).executeTakeFirst();
      if (!row) return false;
      // Delete then insert: one statement shape for both engines (no dialect-specific upsert needed).
      await trx.deleteFrom('identity_details').where('identity_id', '=', row.id).execute();
      await trx
        .insertInto('identity_details')
        .values({ identity_id: row.id, tags, configuration_set_name: details.configurationSetName })
        .execute();
      return true;
    });
  }

  async getDetails(scope: Scope, name: string): Promise<IdentityDetails> {
    const row = await this.#db
      .selectFrom('identity_details as d')
      .innerJoin('identities as i', 'i.id', 'd.identity_id')
      .select(['d.tags', 'd.configuration_set_name'])
      .where('i.account_id', '=', scope.accountId)
      .where('i.region', '=', scope.region)
      .where('i.name', '=', name)
      .executeTakeFirst();
    if (!row) return NO_DETAILS;
    const tags = (JSON.parse(row.tags) as { key: string; value: string }[]).map((t): IdentityTag => ({ key: t.key, value: t.value }));
    return { tags, configurationSetName: row.configuration_set_name };
  }

  async domainKeyFacts(scope: Scope, domain: string): Promise<DomainKeyFacts | null> {
    const rows = await this.#db
      .selectFrom('dkim_keys as k')
      .innerJoin('identities as i', 'i.id', 'k.identity_id')
      .select(['k.bits', 'k.state', 'k.created_at'])
      .where('i.account_id', '=', scope.accountId)
      .where('i.region', '=', scope.region)
      .where('i.name', '=', domain)
      .where('i.kind', '=', 'Domain')
      .orderBy('k.position')
      .execute();
    if (rows.length === 0) return null;
    const active = rows.find((r) => r.state === 'active') ?? rows[0]!;
    return { currentBits: active.bits, lastGeneratedAt: Math.max(...rows.map((r) => Number(r.created_at))) };
  }

  async verificationChecks(scope: Scope, domain: string): Promise<VerificationChecks> {
    const [check, records] = await Promise.all([
      this.#db
        .selectFrom('detection_checks as c')
        .innerJoin('identities as i', 'i.id', 'c.identity_id')
        .select(['c.last_checked_at', 'c.dkim_last_found_at'])
        .where('i.account_id', '=', scope.accountId)
        .where('i.region', '=', scope.region)
        .where('i.name', '=', domain)
        .executeTakeFirst(),
      this.#db
        .selectFrom('detection_record_results as r')
        .innerJoin('identities as i', 'i.id', 'r.identity_id')
        .select(['r.type', 'r.verdict', 'r.checked_at'])
        .where('i.account_id', '=', scope.accountId)
        .where('i.region', '=', scope.region)
        .where('i.name', '=', domain)
        .orderBy('r.name')
        .execute(),
    ]);
    const recordTimes = records.map((r) => Number(r.checked_at));
    const lastChecked = check?.last_checked_at ?? (recordTimes.length > 0 ? Math.max(...recordTimes) : null);
    return {
      lastCheckedAt: lastChecked === null ? null : Number(lastChecked),
      lastFoundAt: check?.dkim_last_found_at == null ? null : Number(check.dkim_last_found_at),
      records: records.map((r) => ({ type: r.type as 'CNAME' | 'TXT', verdict: r.verdict as VerificationChecks['records'][number]['verdict'] })),
    };
  }
}
