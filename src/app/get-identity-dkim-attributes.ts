import { dkimAttributesOf, domainOf, type DkimAttributes, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { parseIdentityList } from './identity-list-input.ts';
import { chosenExternalKey, withExternalKey } from './external-dkim.ts';

/**
 * GetIdentityDkimAttributes: per known identity, whether DKIM signing is on, its tokens and the DKIM
 * status; an address reports its domain's. Unknown identities are omitted, as the SES docs say.
 */
export async function getIdentityDkimAttributes(ctx: AppContext, scope: Scope, inputs: readonly string[]): Promise<Map<string, DkimAttributes>> {
  const requested = parseIdentityList(inputs, ctx.toAscii);
  const names = requested.map(([, id]) => id.name);
  const domains = [...new Set(requested.map(([, id]) => domainOf(id)))];
  const [identities, domainIdentities, tokens, externals] = await Promise.all([
    ctx.store.getIdentities(scope, names),
    ctx.store.getIdentities(scope, domains),
    ctx.store.getDkimTokens(scope, domains),
    // v1 and v2 tell one story: under BYODKIM, DkimTokens is the selector (as GetEmailIdentity's Tokens).
    Promise.all(domains.map(async (d) => [d, await chosenExternalKey(ctx.externalDkim, scope, d)] as const)).then((e) => new Map(e)),
  ]);
  const out = new Map<string, DkimAttributes>();
  for (const [input, id] of requested) {
    const identity = identities.get(id.name);
    if (!identity) continue;
    const domainName = domainOf(id);
    const domainIdentity = domainIdentities.get(domainName);
    const domainTokens = tokens.get(domainName) ?? [];
    out.set(
      input,
      withExternalKey(
        dkimAttributesOf(identity, identity.kind === 'Domain' ? domainTokens : [], domainIdentity ? { identity: domainIdentity, tokens: domainTokens } : null),
        externals.get(domainName) ?? null,
      ),
    );
  }
  return out;
}
