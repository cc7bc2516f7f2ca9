import { DomainError, type Identity, type IdentityKind, type Scope, type VerificationStatus } from '../core/index.ts';
import type { EmailIdentityContext } from './email-identity-view.ts';
import { verifiedForSending } from './email-identity-view.ts';

export interface EmailIdentityFilter {
  readonly nameContains?: string | undefined;
  readonly kind?: IdentityKind | undefined;
  readonly status?: VerificationStatus | undefined;
}

export interface ListEmailIdentitiesInput {
  readonly pageSize?: number | undefined;
  readonly nextToken?: string | undefined;
  readonly filter: EmailIdentityFilter;
}

export interface EmailIdentitySummary {
  readonly name: string;
  readonly kind: IdentityKind;
  readonly verificationStatus: VerificationStatus;
  readonly sendingEnabled: boolean;
}

export interface ListEmailIdentitiesOutput {
  readonly identities: EmailIdentitySummary[];
  readonly nextToken: string | null;
}

/** SES v2: "The number of results to show in a single call ... can be no more than 1000." */
export const MAX_PAGE_SIZE = 1000;
const TOKEN_PREFIX = 'sig2:';

/**
 * ListEmailIdentities (SES v2), in both of its wire forms. Like v1 ListIdentities, the NextToken is
 * a keyset cursor (the position of the last identity looked at, in creation order), so a walk never
 * repeats or skips an identity while others come and go; it is bound to the filter it was made
 * under. A filter other than the type is applied as pages are read: each read asks for as many rows
 * as are still wanted, so the cursor always marks the last row examined.
 */
export async function listEmailIdentities(ctx: EmailIdentityContext, scope: Scope, input: ListEmailIdentitiesInput): Promise<ListEmailIdentitiesOutput> {
  const limit = input.pageSize === undefined || input.pageSize === 0 ? MAX_PAGE_SIZE : input.pageSize;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw new DomainError('invalid_max_items', `PageSize must be between 0 and ${MAX_PAGE_SIZE}.`);
  }
  const filterKey = filterKeyOf(input.filter);
  let after = input.nextToken === undefined ? 0 : decodeNextToken(input.nextToken, filterKey);
  const found: Identity[] = [];
  let more = true;
  while (found.length < limit && more) {
    const page = await ctx.store.listIdentities(scope, { kind: input.filter.kind ?? null, after, limit: limit - found.length });
    const identities = await ctx.store.getIdentities(scope, page.names);
    for (const name of page.names) {
      const identity = identities.get(name);
      if (identity !== undefined && matches(identity, input.filter)) found.push(identity);
    }
    more = page.more;
    if (page.names.length > 0) after = page.last;
    if (page.names.length === 0) break;
  }
  // An address is sendable when its domain is verified: look the domains up once.
  const domains = [...new Set(found.filter((i) => i.kind === 'EmailAddress').map((i) => i.name.slice(i.name.lastIndexOf('@') + 1)))];
  const domainIdentities = domains.length > 0 ? await ctx.store.getIdentities(scope, domains) : new Map<string, Identity>();
  return {
    identities: found.map((i) => ({
      name: i.name,
      kind: i.kind,
      verificationStatus: i.verificationStatus,
      sendingEnabled: verifiedForSending(i, domainIdentities.get(i.name.slice(i.name.lastIndexOf('@') + 1))),
    })),
    nextToken: more ? encodeNextToken(after, filterKey) : null,
  };
}

function matches(identity: Identity, filter: EmailIdentityFilter): boolean {
  if (filter.status !== undefined && identity.verificationStatus !== filter.status) return false;
  if (filter.nameContains !== undefined && !identity.name.toLowerCase().includes(filter.nameContains.toLowerCase())) return false;
  return true;
}

/** The filter in a form short enough to ride in the token (a hash would do, but this stays readable). */
function filterKeyOf(filter: EmailIdentityFilter): string {
  return Buffer.from(JSON.stringify([filter.kind ?? null, filter.status ?? null, filter.nameContains ?? null])).toString('base64url');
}

function encodeNextToken(after: number, filterKey: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${after}:${filterKey}`).toString('base64');
}

function decodeNextToken(token: string, filterKey: string): number {
  const invalid = new DomainError('invalid_next_token', 'Invalid NextToken.');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length > 4096) throw invalid;
  const text = Buffer.from(token, 'base64').toString('latin1');
  const match = /^sig2:(\d{1,15}):([A-Za-z0-9_-]*)$/.exec(text);
  if (!match || match[2] !== filterKey) throw invalid;
  return Number(match[1]);
}
