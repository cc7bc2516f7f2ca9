import { checkPolicyDocument, checkPolicyName, DomainError, MAX_POLICIES_PER_IDENTITY, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import type { PolicyWrite } from './identity-settings-ports.ts';
import { notVerified, ownedIdentity } from './owned-identity.ts';

/**
 * The sending authorization policies of an identity, one store for both APIs: v1's PutIdentityPolicy
 * (adds or replaces) and v2's CreateEmailIdentityPolicy (AlreadyExists for a name in use) and
 * UpdateEmailIdentityPolicy (replaces; "returns successfully even if a policy with the specified name
 * does not exist", so it adds one then). Owner-only: the identity must be verified. `api` picks how an
 * identity the account does not have is answered (v1: the not-verified refusal; v2: NotFound).
 */
export type PolicyApi = 'v1' | 'v2';

function missingOf(api: PolicyApi): 'not_verified' | 'not_found' {
  return api === 'v1' ? 'not_verified' : 'not_found';
}

export async function putIdentityPolicy(
  ctx: AppContext,
  scope: Scope,
  input: { identity: string; policyName: string; policy: string; write: PolicyWrite; api: PolicyApi },
): Promise<void> {
  const policyName = checkPolicyName(input.policyName);
  const policy = checkPolicyDocument(input.policy);
  const { name } = await ownedIdentity(ctx, scope, input.identity, missingOf(input.api));
  const result = await ctx.identitySettings.putPolicy(scope, name, policyName, policy, input.write, MAX_POLICIES_PER_IDENTITY);
  switch (result) {
    case 'stored':
      return;
    case 'no_identity':
      throw notVerified(input.identity); // deleted meanwhile
    case 'exists':
      throw new DomainError('policy_already_exists', `Policy ${policyName} already exists for identity ${input.identity}.`);
    case 'too_many':
      throw new DomainError(
        'too_many_policies',
        `Identity ${input.identity} already has ${MAX_POLICIES_PER_IDENTITY} policies, the most an identity may have.`,
      );
  }
}

/**
 * GetIdentityPolicies (v1: the named ones, at most 20, names it lacks omitted) and
 * GetEmailIdentityPolicies (v2: all of them, `policyNames` null).
 */
export async function getIdentityPolicies(
  ctx: AppContext,
  scope: Scope,
  input: { identity: string; policyNames: readonly string[] | null; api: PolicyApi },
): Promise<Map<string, string>> {
  if (input.policyNames !== null) {
    if (input.policyNames.length > MAX_POLICIES_PER_IDENTITY) {
      throw new DomainError(
        'validation_failed',
        `1 validation error detected: Value at 'policyNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICIES_PER_IDENTITY}`,
      );
    }
    for (const n of input.policyNames) checkPolicyName(n);
  }
  const { name } = await ownedIdentity(ctx, scope, input.identity, missingOf(input.api));
  return ctx.identitySettings.getPolicies(scope, name, input.policyNames);
}

/** ListIdentityPolicies: the names only ("does not return the contents of the policies"). */
export async function listIdentityPolicies(ctx: AppContext, scope: Scope, identity: string): Promise<string[]> {
  const { name } = await ownedIdentity(ctx, scope, identity);
  return ctx.identitySettings.listPolicyNames(scope, name);
}

/** DeleteIdentityPolicy / DeleteEmailIdentityPolicy: "returns successfully even if a policy with the specified name does not exist". */
export async function deleteIdentityPolicy(ctx: AppContext, scope: Scope, input: { identity: string; policyName: string; api: PolicyApi }): Promise<void> {
  const policyName = checkPolicyName(input.policyName);
  const { name } = await ownedIdentity(ctx, scope, input.identity, missingOf(input.api));
  await ctx.identitySettings.deletePolicy(scope, name, policyName);
}
