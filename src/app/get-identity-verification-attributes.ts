import type { Scope, VerificationStatus } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { parseIdentityList } from './identity-list-input.ts';

export interface VerificationAttributes {
  readonly status: VerificationStatus;
  /** Domains only; SES documents it as null for e-mail address identities. */
  readonly token: string | null;
}

/** GetIdentityVerificationAttributes: status and (domains) token per known identity; unknown omitted. */
export async function getIdentityVerificationAttributes(
  ctx: AppContext,
  scope: Scope,
  inputs: readonly string[],
): Promise<Map<string, VerificationAttributes>> {
  const requested = parseIdentityList(inputs, ctx.toAscii);
  const identities = await ctx.store.getIdentities(
    scope,
    requested.map(([, id]) => id.name),
  );
  const out = new Map<string, VerificationAttributes>();
  for (const [input, id] of requested) {
    const identity = identities.get(id.name);
    if (!identity) continue;
    out.set(input, {
      status: identity.verificationStatus,
      token: identity.kind === 'Domain' ? identity.verificationToken : null,
    });
  }
  return out;
}
