import { DomainError, type IdentityKind, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

export interface ListIdentitiesInput {
  readonly identityType?: string | undefined;
  readonly nextToken?: string | undefined;
  readonly maxItems?: number | undefined;
}

export interface ListIdentitiesOutput {
  readonly identities: string[];
  readonly nextToken: string | null;
}

const DEFAULT_MAX_ITEMS = 1000;
const TOKEN_PREFIX = 'sig1:';

/**
 * ListIdentities with server-side pages. The NextToken is opaque to clients: a keyset cursor (the
 * position of the last identity returned, in creation order), so a walk neither repeats nor skips an
 * identity when others are added or deleted between pages. It also carries the type filter, so a
 * token cannot be reused with another filter by mistake.
 */
export async function listIdentities(ctx: AppContext, scope: Scope, input: ListIdentitiesInput): Promise<ListIdentitiesOutput> {
  const kind = parseIdentityType(input.identityType);
  const limit = input.maxItems ?? DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new DomainError('invalid_max_items', 'MaxItems must be between 1 and 1000.');
  }
  const after = input.nextToken === undefined ? 0 : decodeNextToken(input.nextToken, kind);
  const page = await ctx.store.listIdentities(scope, { kind, after, limit });
  return {
    identities: [...page.names],
    nextToken: page.more ? encodeNextToken(page.last, kind) : null,
  };
}

function parseIdentityType(value: string | undefined): IdentityKind | null {
  if (value === undefined) return null;
  if (value === 'Domain' || value === 'EmailAddress') return value;
  throw new DomainError(
    'invalid_identity_type',
    `Value '${value}' at 'identityType' failed to satisfy constraint: Member must satisfy enum value set: [Domain, EmailAddress]`,
  );
}

function encodeNextToken(last: number, kind: IdentityKind | null): string {
  return Buffer.from(`${TOKEN_PREFIX}${last}:${kind ?? '*'}`).toString('base64');
}

function decodeNextToken(token: string, kind: IdentityKind | null): number {
  const invalid = new DomainError('invalid_next_token', 'Invalid NextToken.');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw invalid;
  const text = Buffer.from(token, 'base64').toString('latin1');
  const match = /^sig1:(\d{1,15}):(\*|Domain|EmailAddress)$/.exec(text);
  if (!match || match[2] !== (kind ?? '*')) throw invalid;
  return Number(match[1]);
}
