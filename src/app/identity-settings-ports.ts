import type { NotificationSettings, Scope } from '../core/index.ts';

/** How PutPolicy treats a policy name the identity already has. */
export type PolicyWrite = 'upsert' | 'create';

export type PutPolicyResult = 'stored' | 'no_identity' | 'exists' | 'too_many';

/**
 * What SES keeps per identity beside its verification and DKIM, shared by the v1 and v2 APIs:
 * notification topics and flags, and sending authorization policies. Both go with their identity
 * (a deleted identity's settings are gone, and a new one starts with the defaults). Implementations
 * must pass test/identity-settings-store-contract.ts on every engine.
 */
export interface IdentitySettingsStore {
  /** The settings kept for those of `names` that have any (others have the defaults). */
  getNotifications(scope: Scope, names: readonly string[]): Promise<Map<string, NotificationSettings>>;
  /**
   * Reads the identity's settings (the defaults when none are kept), applies `change` and stores the
   * result, in one transaction; `change` may throw to refuse, and then nothing is written. False when
   * there is no such identity.
   */
  updateNotifications(scope: Scope, name: string, change: (current: NotificationSettings) => NotificationSettings): Promise<boolean>;
  /** Stores a policy under its name, in one transaction with the limit of `maxPolicies` per identity. */
  putPolicy(scope: Scope, name: string, policyName: string, policy: string, write: PolicyWrite, maxPolicies: number): Promise<PutPolicyResult>;
  /** The named policies the identity has (all of them when `policyNames` is null), by name. */
  getPolicies(scope: Scope, name: string, policyNames: readonly string[] | null): Promise<Map<string, string>>;
  /** The identity's policy names, in name order. */
  listPolicyNames(scope: Scope, name: string): Promise<string[]>;
  /** False when the identity had no such policy. */
  deletePolicy(scope: Scope, name: string, policyName: string): Promise<boolean>;
}
