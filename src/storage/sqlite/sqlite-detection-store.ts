import type { Statement } from 'better-sqlite3';
import type { Scope, VerificationStatus } from '../../core/index.ts';
import type {
  CheckCompletion,
  DetectionStore,
  DetectionTarget,
  StoredRecordCheck,
} from '../../app/detection-ports.ts';
import type { SqliteSideConnection } from './sqlite-side-connection.ts';

interface TargetRow {
  identity_id: number;
  account_id: string;
  region: string;
  name: string;
  verification_status: string;
  verification_token: string | null;
  created_at: number;
  dkim_status: string;
  dkim_started_at: number;
  dkim_last_found_at: number | null;
  dkim_grace_started_at: number | null;
}

const TARGET_COLUMNS = `d.identity_id, i.account_id, i.region, i.name, i.verification_status, i.verification_token,
  i.created_at, i.dkim_status, d.dkim_started_at, d.dkim_last_found_at, d.dkim_grace_started_at`;

/**
 * DetectionStore on SQLite. Claims run in one `BEGIN IMMEDIATE` transaction: SQLite has one writer,
 * so the rows it picks cannot be picked by another worker before their lease is written. The same
 * method on PostgreSQL picks with `FOR UPDATE SKIP LOCKED` in the subquery instead.
 */
export class SqliteDetectionStore implements DetectionStore {
  readonly #conn: SqliteSideConnection;
  readonly #enrollNew: Statement;
  readonly #restartChanged: Statement;
  readonly #claimDue: Statement;
  readonly #targetsByIds: Statement;
  readonly #tokensOf: Statement;
  readonly #identityIdOf: Statement;
  readonly #claimOne: Statement;
  readonly #finishDetection: Statement;
  readonly #setDkimStatus: Statement;
  readonly #setVerificationStatus: Statement;
  readonly #saveRecord: Statement;
  readonly #recordsOf: Statement;

  constructor(conn: SqliteSideConnection) {
    this.#conn = conn;
    const db = conn.db;
    // New domain identities get a detection row, due at once. DKIM detection starts when the tokens
    // were created (the keys' creation time), or with the identity when there are no tokens yet.
    this.#enrollNew = db.prepare(`
      INSERT INTO detection_checks (identity_id, dkim_started_at, dkim_status_seen, next_check_at)
      SELECT i.id, COALESCE((SELECT MIN(k.created_at) FROM dkim_keys k WHERE k.identity_id = i.id), i.created_at),
             i.dkim_status, @now
      FROM identities i
      WHERE i.kind = 'Domain' AND (@id IS NULL OR i.id = @id)
        AND NOT EXISTS (SELECT 1 FROM detection_checks d WHERE d.identity_id = i.id)`);
    // Someone else changed the DKIM status (VerifyDomainDkim set it Pending again): start over.
    this.#restartChanged = db.prepare(`
      UPDATE detection_checks AS d
      SET dkim_started_at = @now, dkim_last_found_at = NULL, dkim_grace_started_at = NULL,
          dkim_status_seen = i.dkim_status, next_check_at = @now
      FROM identities i
      WHERE i.id = d.identity_id AND i.dkim_status <> d.dkim_status_seen AND (@id IS NULL OR i.id = @id)`);
    this.#claimDue = db.prepare(`
      UPDATE detection_checks SET claimed_until = @until
      WHERE identity_id IN (
        SELECT identity_id FROM detection_checks
        WHERE next_check_at IS NOT NULL AND next_check_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now)
        ORDER BY next_check_at LIMIT @limit)
      RETURNING identity_id`);
    this.#targetsByIds = db.prepare(`
      SELECT ${TARGET_COLUMNS}
      FROM detection_checks d JOIN identities i ON i.id = d.identity_id
      WHERE d.identity_id IN (SELECT value FROM json_each(@ids))`);
    this.#tokensOf = db.prepare(`
      SELECT identity_id, token FROM dkim_keys
      WHERE identity_id IN (SELECT value FROM json_each(@ids)) ORDER BY identity_id, position`);
    this.#identityIdOf = db.prepare(`
      SELECT id FROM identities WHERE account_id = @account AND region = @region AND name = @name AND kind = 'Domain'`);
    this.#claimOne = db.prepare(`
      UPDATE detection_checks SET claimed_until = @until
      WHERE identity_id = @id AND (claimed_until IS NULL OR claimed_until <= @now)
      RETURNING identity_id`);
    this.#finishDetection = db.prepare(`
      UPDATE detection_checks
      SET dkim_started_at = COALESCE(@startedAt, dkim_started_at),
          dkim_last_found_at = CASE WHEN @hasDkim THEN @lastFoundAt ELSE dkim_last_found_at END,
          dkim_grace_started_at = CASE WHEN @hasDkim THEN @graceStartedAt ELSE dkim_grace_started_at END,
          dkim_status_seen = COALESCE(@dkimStatus, dkim_status_seen),
          next_check_at = @nextCheckAt, claimed_until = NULL, last_checked_at = @checkedAt
      WHERE identity_id = @id`);
    // Compare-and-set: a DKIM status changed by someone else since the claim is not overwritten.
    this.#setDkimStatus = db.prepare(`UPDATE identities SET dkim_status = @status WHERE id = @id AND dkim_status = @previous`);
    this.#setVerificationStatus = db.prepare(`UPDATE identities SET verification_status = @status WHERE id = @id`);
    this.#saveRecord = db.prepare(`
      INSERT INTO detection_record_results (identity_id, name, type, verdict, observed, checked_at)
      VALUES (@id, @name, @type, @verdict, @observed, @checkedAt)
      ON CONFLICT (identity_id, name, type) DO UPDATE
      SET verdict = excluded.verdict, observed = excluded.observed, checked_at = excluded.checked_at`);
    this.#recordsOf = db.prepare(`
      SELECT r.name, r.type, r.verdict, r.observed, r.checked_at
      FROM detection_record_results r JOIN identities i ON i.id = r.identity_id
      WHERE i.account_id = @account AND i.region = @region AND i.name = @name ORDER BY r.type, r.name`);
  }

  async claimDueChecks(now: number, limit: number, leaseMs: number): Promise<DetectionTarget[]> {
    return this.#conn.write(() => {
      this.#enrollNew.run({ now, id: null });
      this.#restartChanged.run({ now, id: null });
      const ids = (this.#claimDue.all({ now, until: now + leaseMs, limit }) as { identity_id: number }[]).map((r) => r.identity_id);
      return this.#targets(ids);
    });
  }

  async claimDomain(scope: Scope, domain: string, now: number, leaseMs: number): Promise<DetectionTarget | null | 'claimed'> {
    return this.#conn.write(() => {
      const row = this.#identityIdOf.get({ account: scope.accountId, region: scope.region, name: domain }) as { id: number } | undefined;
      if (!row) return null;
      this.#enrollNew.run({ now, id: row.id });
      this.#restartChanged.run({ now, id: row.id });
      if (this.#claimOne.all({ id: row.id, now, until: now + leaseMs }).length === 0) return 'claimed';
      return this.#targets([row.id])[0] ?? null;
    });
  }

  #targets(ids: readonly number[]): DetectionTarget[] {
    if (ids.length === 0) return [];
    const json = JSON.stringify(ids);
    const tokens = new Map<number, string[]>();
    for (const r of this.#tokensOf.all({ ids: json }) as { identity_id: number; token: string }[]) {
      const list = tokens.get(r.identity_id) ?? [];
      list.push(r.token);
      tokens.set(r.identity_id, list);
    }
    return (this.#targetsByIds.all({ ids: json }) as TargetRow[]).map((r) => ({
      identityId: r.identity_id,
      scope: { accountId: r.account_id, region: r.region },
      domain: r.name,
      tokens: tokens.get(r.identity_id) ?? [],
      verificationToken: r.verification_token,
      verificationStatus: r.verification_status as VerificationStatus,
      createdAt: Number(r.created_at),
      dkim: {
        status: r.dkim_status as VerificationStatus,
        startedAt: Number(r.dkim_started_at),
        lastFoundAt: r.dkim_last_found_at === null ? null : Number(r.dkim_last_found_at),
        graceStartedAt: r.dkim_grace_started_at === null ? null : Number(r.dkim_grace_started_at),
      },
    }));
  }

  async completeChecks(completions: readonly CheckCompletion[]): Promise<void> {
    if (completions.length === 0) return;
    await this.#conn.write(() => {
      for (const c of completions) this.#complete(c);
    });
  }

  #complete(c: CheckCompletion): void {
    const id = c.identityId;
    if (c.dkim !== null) {
      const changed = this.#setDkimStatus.run({ id, status: c.dkim.status, previous: c.previousDkimStatus }).changes;
      if (changed === 0) {
        // Deleted, or DKIM restarted under the check: release and let the next claim start over.
        this.#finishDetection.run({
          id, hasDkim: 0, startedAt: null, lastFoundAt: null, graceStartedAt: null, dkimStatus: null,
          nextCheckAt: c.checkedAt, checkedAt: c.checkedAt,
        });
        return;
      }
    }
    const updated = this.#finishDetection.run({
      id,
      hasDkim: c.dkim === null ? 0 : 1,
      startedAt: c.dkim?.startedAt ?? null,
      lastFoundAt: c.dkim?.lastFoundAt ?? null,
      graceStartedAt: c.dkim?.graceStartedAt ?? null,
      dkimStatus: c.dkim?.status ?? null,
      nextCheckAt: c.nextCheckAt,
      checkedAt: c.checkedAt,
    }).changes;
    if (updated === 0) return; // the identity was deleted during the check
    this.#setVerificationStatus.run({ id, status: c.verificationStatus });
    for (const r of c.records) {
      this.#saveRecord.run({ id, name: r.name, type: r.type, verdict: r.verdict, observed: r.observed, checkedAt: c.checkedAt });
    }
  }

  async getRecordChecks(scope: Scope, domain: string): Promise<StoredRecordCheck[]> {
    const rows = this.#recordsOf.all({ account: scope.accountId, region: scope.region, name: domain }) as {
      name: string; type: 'CNAME' | 'TXT'; verdict: StoredRecordCheck['verdict']; observed: string; checked_at: number;
    }[];
    return rows.map((r) => ({ name: r.name, type: r.type, verdict: r.verdict, observed: r.observed, checkedAt: Number(r.checked_at) }));
  }
}
