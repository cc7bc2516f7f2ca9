import type { Kysely, Transaction } from 'kysely';
import type { IdentitySettingsStore, PolicyWrite, PutPolicyResult } from '../app/identity-settings-ports.ts';
import { DEFAULT_NOTIFICATIONS, type NotificationSettings, type Scope } from '../core/index.ts';
import { preparedQuery } from './prepared-query.ts';
import type { Database, IdentityNotificationsTable } from './schema.ts';

function settingsOf(row: Omit<IdentityNotificationsTable, 'identity_id'>): NotificationSettings {
  return {
    bounceTopic: row.bounce_topic,
    complaintTopic: row.complaint_topic,
    deliveryTopic: row.delivery_topic,
    forwardingEnabled: Number(row.forwarding_enabled) === 1,
    headersInBounce: Number(row.headers_in_bounce) === 1,
    headersInComplaint: Number(row.headers_in_complaint) === 1,
    headersInDelivery: Number(row.headers_in_delivery) === 1,
  };
}

const notificationsQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, names: string[]) =>
  db
    .selectFrom('identities as i')
    .innerJoin('identity_notifications as n', 'n.identity_id', 'i.id')
    .select([
      'i.name',
      'n.bounce_topic',
      'n.complaint_topic',
      'n.delivery_topic',
      'n.forwarding_enabled',
      'n.headers_in_bounce',
      'n.headers_in_complaint',
      'n.headers_in_delivery',
    ])
    .where('i.account_id', '=', accountId)
    .where('i.region', '=', region)
    .where('i.name', 'in', names),
);

const policiesOf = (db: Kysely<Database>, accountId: string, region: string, name: string) =>
  db
    .selectFrom('identity_policies as p')
    .innerJoin('identities as i', 'i.id', 'p.identity_id')
    .select(['p.name', 'p.policy'])
    .where('i.account_id', '=', accountId)
    .where('i.region', '=', region)
    .where('i.name', '=', name);
const allPoliciesQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, name: string) =>
  policiesOf(db, accountId, region, name).orderBy('p.name'),
);
const namedPoliciesQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, name: string, policyNames: string[]) =>
  policiesOf(db, accountId, region, name).where('p.name', 'in', policyNames).orderBy('p.name'),
);

/** Notification settings and sending authorization policies per identity, over either engine (one SQL for both). */
export class KyselyIdentitySettingsStore implements IdentitySettingsStore {
  readonly #db: Kysely<Database>;
  readonly #lockIdentity: (trx: Transaction<Database>, identityId: number) => Promise<void>;

  /** `lockIdentity` is the engine's (EngineStrategy.lockIdentity): a row lock on PostgreSQL, nothing on SQLite's single writer. */
  constructor(db: Kysely<Database>, lockIdentity: (trx: Transaction<Database>, identityId: number) => Promise<void>) {
    this.#db = db;
    this.#lockIdentity = lockIdentity;
  }

  #identityId(db: Kysely<Database>, scope: Scope, name: string) {
    return db.selectFrom('identities').select('id').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name);
  }

  async getNotifications(scope: Scope, names: readonly string[]): Promise<Map<string, NotificationSettings>> {
    const out = new Map<string, NotificationSettings>();
    if (names.length === 0) return out;
    const rows = await notificationsQuery(this.#db, scope.accountId, scope.region, [...names]);
    for (const row of rows) out.set(row.name, settingsOf(row));
    return out;
  }

  async updateNotifications(scope: Scope, name: string, change: (current: NotificationSettings) => NotificationSettings): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#identityId(trx, scope, name).executeTakeFirst();
      if (!row) return false;
      const kept = await trx.selectFrom('identity_notifications').selectAll().where('identity_id', '=', row.id).executeTakeFirst();
      const next = change(kept ? settingsOf(kept) : DEFAULT_NOTIFICATIONS);
      // Delete then insert: one statement shape for both engines (no dialect-specific upsert).
      await trx.deleteFrom('identity_notifications').where('identity_id', '=', row.id).execute();
      await trx
        .insertInto('identity_notifications')
        .values({
          identity_id: row.id,
          bounce_topic: next.bounceTopic,
          complaint_topic: next.complaintTopic,
          delivery_topic: next.deliveryTopic,
          forwarding_enabled: next.forwardingEnabled ? 1 : 0,
          headers_in_bounce: next.headersInBounce ? 1 : 0,
          headers_in_complaint: next.headersInComplaint ? 1 : 0,
          headers_in_delivery: next.headersInDelivery ? 1 : 0,
        })
        .execute();
      return true;
    });
  }

  async putPolicy(scope: Scope, name: string, policyName: string, policy: string, write: PolicyWrite, maxPolicies: number): Promise<PutPolicyResult> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#identityId(trx, scope, name).executeTakeFirst();
      if (!row) return 'no_identity';
      // Held until commit, so that two puts of new names cannot both pass the count of 20.
      await this.#lockIdentity(trx, row.id);
      const names = (await trx.selectFrom('identity_policies').select('name').where('identity_id', '=', row.id).execute()).map((r) => r.name);
      if (names.includes(policyName)) {
        if (write === 'create') return 'exists';
        await trx.updateTable('identity_policies').set({ policy }).where('identity_id', '=', row.id).where('name', '=', policyName).execute();
        return 'stored';
      }
      if (names.length >= maxPolicies) return 'too_many';
      await trx.insertInto('identity_policies').values({ identity_id: row.id, name: policyName, policy }).execute();
      return 'stored';
    });
  }

  async getPolicies(scope: Scope, name: string, policyNames: readonly string[] | null): Promise<Map<string, string>> {
    if (policyNames !== null && policyNames.length === 0) return new Map();
    const rows =
      policyNames === null
        ? await allPoliciesQuery(this.#db, scope.accountId, scope.region, name)
        : await namedPoliciesQuery(this.#db, scope.accountId, scope.region, name, [...policyNames]);
    return new Map(rows.map((r) => [r.name, r.policy]));
  }

  async listPolicyNames(scope: Scope, name: string): Promise<string[]> {
    return [...(await this.getPolicies(scope, name, null)).keys()];
  }

  async deletePolicy(scope: Scope, name: string, policyName: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('identity_policies')
      .where('identity_id', 'in', this.#identityId(this.#db, scope, name))
      .where('name', '=', policyName)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
