import type { Kysely } from 'kysely';
import type { ExternalDkimStore, NewExternalKey, StoredExternalKey } from '../app/external-dkim-ports.ts';
import { isVerificationStatus, type DkimSigningMethod, type ExternalKeyVerdict, type Scope, type VerificationStatus } from '../core/index.ts';
import type { DetectionEngine } from './detection-engine.ts';
import { preparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';

const COLUMNS = [
  'e.identity_id',
  'i.account_id',
  'i.region',
  'i.name',
  'e.selector',
  'e.public_key',
  'e.sealed_private_key',
  'e.bits',
  'e.status',
  'e.verdict',
  'e.observed',
  'e.created_at',
  'e.checked_at',
  'e.unverified_since',
] as const;

const chosenMethodQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, domain: string) =>
  db
    .selectFrom('external_dkim_keys as e')
    .innerJoin('identities as i', 'i.id', 'e.identity_id')
    .select('e.chosen_external')
    .where('i.account_id', '=', accountId)
    .where('i.region', '=', region)
    .where('i.name', '=', domain),
);

const externalKeyQuery = preparedQuery((db: Kysely<Database>, accountId: string, region: string, domain: string) =>
  db
    .selectFrom('external_dkim_keys as e')
    .innerJoin('identities as i', 'i.id', 'e.identity_id')
    .select(COLUMNS)
    .where('i.account_id', '=', accountId)
    .where('i.region', '=', region)
    .where('i.name', '=', domain),
);

type Row = {
  identity_id: number;
  account_id: string;
  region: string;
  name: string;
  selector: string;
  public_key: string;
  sealed_private_key: string;
  bits: number;
  status: string;
  verdict: string | null;
  observed: string | null;
  created_at: number;
  checked_at: number | null;
  unverified_since: number | null;
};

function toStored(r: Row): StoredExternalKey {
  return {
    identityId: Number(r.identity_id),
    scope: { accountId: r.account_id, region: r.region },
    domain: r.name,
    selector: r.selector,
    publicKey: r.public_key,
    sealedPrivateKey: r.sealed_private_key,
    bits: Number(r.bits),
    status: isVerificationStatus(r.status) ? r.status : 'Pending',
    verdict: r.verdict as ExternalKeyVerdict | null,
    observed: r.observed,
    createdAt: Number(r.created_at),
    checkedAt: r.checked_at === null ? null : Number(r.checked_at),
    unverifiedSince: r.unverified_since === null ? null : Number(r.unverified_since),
  };
}

/** BYODKIM keys over Kysely (migration 0014): one row per domain, replaced whole by a new key. */
export class KyselyExternalDkimStore implements ExternalDkimStore {
  readonly #db: Kysely<Database>;
  readonly #engine: DetectionEngine;

  constructor(db: Kysely<Database>, engine: DetectionEngine) {
    this.#db = db;
    this.#engine = engine;
  }

  #identityId(db: Kysely<Database>, scope: Scope, domain: string) {
    return db
      .selectFrom('identities')
      .select('id')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', domain)
      .executeTakeFirst();
  }

  async putExternalKey(scope: Scope, domain: string, key: NewExternalKey, now: number): Promise<boolean> {
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      const identity = await this.#identityId(trx, scope, domain);
      if (identity === undefined) return false;
      const id = Number(identity.id);
      await trx.deleteFrom('external_dkim_keys').where('identity_id', '=', id).execute();
      await trx
        .insertInto('external_dkim_keys')
        .values({
          identity_id: id,
          selector: key.selector,
          public_key: key.publicKey,
          sealed_private_key: key.sealedPrivateKey,
          bits: key.bits,
          status: 'Pending',
          verdict: null,
          observed: null,
          chosen_external: 1,
          created_at: now,
          checked_at: null,
          // The 72-hour window starts when the key is given (core nextExternalKeyState).
          unverified_since: now,
        })
        .execute();
      return true;
    });
  }

  async chooseMethod(scope: Scope, domain: string, method: DkimSigningMethod): Promise<void> {
    const identity = await this.#identityId(this.#db, scope, domain);
    if (identity === undefined) return;
    await this.#db
      .updateTable('external_dkim_keys')
      .set({ chosen_external: method === 'EXTERNAL' ? 1 : 0 })
      .where('identity_id', '=', Number(identity.id))
      .execute();
  }

  async chosenMethod(scope: Scope, domain: string): Promise<DkimSigningMethod> {
    // Read for every domain of every GetIdentityDkimAttributes, GetEmailIdentity and send: compiled
    // once (preparedQuery), as the other identity reads are.
    const [row] = await chosenMethodQuery(this.#db, scope.accountId, scope.region, domain);
    return row !== undefined && Number(row.chosen_external) === 1 ? 'EXTERNAL' : 'AWS_SES';
  }

  async externalKeyOf(scope: Scope, domain: string): Promise<StoredExternalKey | null> {
    const [row] = await externalKeyQuery(this.#db, scope.accountId, scope.region, domain);
    return row === undefined ? null : toStored(row as Row);
  }

  async recordExternalCheck(
    identityId: number,
    publicKey: string,
    check: { status: VerificationStatus; verdict: ExternalKeyVerdict; observed: string; unverifiedSince: number | null },
    now: number,
  ): Promise<boolean> {
    return this.#engine.writeTransaction(this.#db, async (trx) => {
      // Bound to the key checked: a key replaced during the lookup keeps its own (Pending) state.
      const result = await trx
        .updateTable('external_dkim_keys')
        .set({ status: check.status, verdict: check.verdict, observed: check.observed, checked_at: now, unverified_since: check.unverifiedSince })
        .where('identity_id', '=', identityId)
        .where('public_key', '=', publicKey)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      // SES v2: a domain identity is verified once its DKIM is, whichever method (BYODKIM included).
      if (check.status === 'Success') {
        await trx.updateTable('identities').set({ verification_status: 'Success' }).where('id', '=', identityId).execute();
      }
      return true;
    });
  }

  async pendingExternalKeys(checkedBefore: number, limit: number): Promise<StoredExternalKey[]> {
    const rows = await this.#db
      .selectFrom('external_dkim_keys as e')
      .innerJoin('identities as i', 'i.id', 'e.identity_id')
      .select(COLUMNS)
      .where('e.status', 'not in', ['Success', 'Failed'])
      .where((eb) => eb.or([eb('e.checked_at', 'is', null), eb('e.checked_at', '<', checkedBefore)]))
      .orderBy('e.checked_at')
      .orderBy('e.identity_id')
      .limit(limit)
      .execute();
    return rows.map((r) => toStored(r as Row));
  }
}
