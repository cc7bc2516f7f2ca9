import { DomainError, domainOf, parseIdentityName, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { verifiedForSending } from './email-identity-view.ts';

/** SES's answer to an owner-only call on an identity the caller has not verified (boto3#2645, captured from SES). */
export function notVerified(input: string): DomainError {
  return new DomainError('identity_not_verified', `Identity ${input} is invalid. Must be a verified email address or domain.`);
}

// arn:PARTITION:ses:REGION:ACCOUNT:identity/NAME, the form SES's identity parameters also accept.
const IDENTITY_ARN = /^arn:aws(?:-[a-z]+)*:ses:([a-z0-9-]+):(\d{12}):identity\/(.+)$/;

/**
 * The identity an owner-only operation names (SetIdentityNotificationTopic, PutIdentityPolicy, ...),
 * as its name or its ARN, which must be the caller's own account and region (another account's
 * identity would take cross-account authorization, which Signet does not have).
 */
function nameOf(scope: Scope, input: string): string {
  const arn = IDENTITY_ARN.exec(input);
  if (input.startsWith('arn:') && (arn === null || arn[1] !== scope.region || arn[2] !== scope.accountId)) throw notVerified(input);
  return arn === null ? input : arn[3]!;
}

export interface OwnedIdentity {
  /** The identity's name in normal form, as stored. */
  readonly name: string;
}

/**
 * Resolves the identity of an owner-only operation and checks that the account has verified it:
 * "This operation is for the identity owner only. If you have not verified the identity, it returns
 * an error." An address counts as verified when it or its domain is. `missing` decides what an
 * identity the account does not have at all is: the same refusal (v1) or NotFound (v2).
 */
export async function ownedIdentity(
  ctx: AppContext,
  scope: Scope,
  input: string,
  missing: 'not_verified' | 'not_found' = 'not_verified',
): Promise<OwnedIdentity> {
  let id: ReturnType<typeof parseIdentityName>;
  try {
    id = parseIdentityName(nameOf(scope, input), ctx.toAscii);
  } catch (err) {
    if (err instanceof DomainError && missing === 'not_verified') throw notVerified(input);
    throw err;
  }
  const domain = domainOf(id);
  const found = await ctx.store.getIdentities(scope, domain === id.name ? [id.name] : [id.name, domain]);
  const identity = found.get(id.name);
  if (identity === undefined) {
    throw missing === 'not_found' ? new DomainError('identity_not_found', `Email identity ${input} does not exist.`) : notVerified(input);
  }
  if (!verifiedForSending(identity, found.get(domain))) throw notVerified(input);
  return { name: id.name };
}
