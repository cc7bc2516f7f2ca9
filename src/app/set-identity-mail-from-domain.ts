import { checkMailFromDomain, domainOf, DomainError, normalizeDomain, parseIdentityName, type BehaviorOnMxFailure, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';

export interface SetIdentityMailFromDomainInput {
  readonly identity: string;
  /** Absent or empty: switch the custom MAIL FROM domain off ("A value of null disables" it). */
  readonly mailFromDomain: string | undefined;
  /** Absent: UseDefaultValue, the model's documented default. */
  readonly behaviorOnMxFailure: BehaviorOnMxFailure | undefined;
}

/**
 * SetIdentityMailFromDomain (and v2's PutEmailIdentityMailFromAttributes through it). The identity
 * must exist (domain or address; detection of its own verification may still be under way); the
 * MAIL FROM domain must be a subdomain of it, or of the address's domain. A new domain starts its
 * own detection (MX to the feedback host, SPF) as `Pending`; the same domain again keeps its status.
 * SES's other two conditions (not used to receive mail; not in a From address when feedback is
 * forwarded there) are about the customer's DNS and mail flow, which no API call can see.
 */
export async function setIdentityMailFromDomain(ctx: AppContext, scope: Scope, input: SetIdentityMailFromDomainInput): Promise<void> {
  const identity = parseIdentityName(input.identity, ctx.toAscii);
  const known = await ctx.store.getIdentities(scope, [identity.name]);
  if (!known.has(identity.name)) throw new DomainError('identity_not_found', `Identity <${input.identity}> does not exist.`);
  let mailFromDomain: string | null = null;
  if (input.mailFromDomain !== undefined && input.mailFromDomain !== '') {
    mailFromDomain = normalizeDomain(input.mailFromDomain, ctx.toAscii);
    checkMailFromDomain(mailFromDomain, domainOf(identity));
  }
  const behaviorOnMxFailure = input.behaviorOnMxFailure ?? 'UseDefaultValue';
  const written = await ctx.mailFrom.put(scope, identity.name, { mailFromDomain, behaviorOnMxFailure }, ctx.clock.now());
  // Deleted by someone else between the two statements: as if it had never been there.
  if (!written) throw new DomainError('identity_not_found', `Identity <${input.identity}> does not exist.`);
}
