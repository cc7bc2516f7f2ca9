import type { MailFromSettings, Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { parseIdentityList } from './identity-list-input.ts';

export interface MailFromDomainAttributes {
  readonly behaviorOnMxFailure: 'UseDefaultValue' | 'RejectMessage';
  /** Null while no custom MAIL FROM domain is configured (SES then omits both members). */
  readonly mailFromDomain: string | null;
  readonly mailFromDomainStatus: string | null;
}

/** SES's answer for an identity without a custom MAIL FROM domain: only `BehaviorOnMXFailure`. */
export function mailFromAttributesOf(settings: MailFromSettings | undefined | null): MailFromDomainAttributes {
  if (!settings) return { behaviorOnMxFailure: 'UseDefaultValue', mailFromDomain: null, mailFromDomainStatus: null };
  return {
    behaviorOnMxFailure: settings.behaviorOnMxFailure,
    mailFromDomain: settings.mailFromDomain,
    mailFromDomainStatus: settings.mailFromDomain === null ? null : settings.status,
  };
}

/**
 * GetIdentityMailFromDomainAttributes: each known identity's custom MAIL FROM domain, its detection
 * status and BehaviorOnMXFailure (only the behaviour when no domain is set). Unknown identities are omitted.
 */
export async function getIdentityMailFromDomainAttributes(
  ctx: AppContext,
  scope: Scope,
  inputs: readonly string[],
): Promise<Map<string, MailFromDomainAttributes>> {
  const requested = parseIdentityList(inputs, ctx.toAscii);
  const names = requested.map(([, id]) => id.name);
  const [identities, settings] = await Promise.all([ctx.store.getIdentities(scope, names), ctx.mailFrom.get(scope, names)]);
  const out = new Map<string, MailFromDomainAttributes>();
  for (const [input, id] of requested) {
    if (!identities.has(id.name)) continue;
    out.set(input, mailFromAttributesOf(settings.get(id.name)));
  }
  return out;
}
