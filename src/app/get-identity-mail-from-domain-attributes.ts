import type { Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { parseIdentityList } from './identity-list-input.ts';

export interface MailFromDomainAttributes {
  readonly behaviorOnMxFailure: 'UseDefaultValue' | 'RejectMessage';
  /** Null while no custom MAIL FROM domain is configured (SES then omits both members). */
  readonly mailFromDomain: string | null;
  readonly mailFromDomainStatus: string | null;
}

/**
 * GetIdentityMailFromDomainAttributes. Signet has no custom MAIL FROM set-up yet, so every known
 * identity reports SES's answer for an identity without one: only `BehaviorOnMXFailure:
 * UseDefaultValue`. Unknown identities are omitted.
 */
export async function getIdentityMailFromDomainAttributes(
  ctx: AppContext,
  scope: Scope,
  inputs: readonly string[],
): Promise<Map<string, MailFromDomainAttributes>> {
  const requested = parseIdentityList(inputs, ctx.toAscii);
  const identities = await ctx.store.getIdentities(
    scope,
    requested.map(([, id]) => id.name),
  );
  const out = new Map<string, MailFromDomainAttributes>();
  for (const [input, id] of requested) {
    if (!identities.has(id.name)) continue;
    out.set(input, { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: null, mailFromDomainStatus: null });
  }
  return out;
}
