import { DomainError, type Content, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { sendEmail, sendRawEmail, type Tag } from './send-email.ts';

interface Common {
  readonly scope: Scope;
  /** FromEmailAddressIdentityArn: sending authorization on behalf of an identity. */
  readonly fromArn: string | undefined;
  readonly configurationSetName: string | undefined;
  readonly tags: readonly Tag[];
  readonly replyTo: readonly string[];
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  /** Whether Destination was given at all (Raw then takes the recipients from the headers). */
  readonly hasDestination: boolean;
}

export type SendEmailV2Input = Common &
  (
    | { readonly kind: 'simple'; readonly from: string; readonly subject: Content; readonly text: Content | null; readonly html: Content | null }
    | { readonly kind: 'raw'; readonly from: string | undefined; readonly raw: Buffer }
    | { readonly kind: 'template'; readonly from: string | undefined; readonly templateName: string | null }
  );

/**
 * SES's sending authorization: an identity ARN lets one account send for another's identity under
 * a policy. Signet keeps no sending policies, so only the caller's own identities (its account and
 * region) may be named; the identity itself is checked like any From address.
 */
function checkIdentityArn(scope: Scope, arn: string | undefined): void {
  if (arn === undefined) return;
  const m = /^arn:aws[a-z-]*:ses:([a-z0-9-]+):(\d{12}):identity\/(.+)$/.exec(arn);
  if (m === null) throw new DomainError('invalid_parameter', `Invalid FromEmailAddressIdentityArn: ${arn.slice(0, 200)}.`);
  if (m[1] !== scope.region || m[2] !== scope.accountId) {
    throw new DomainError('message_rejected', `Not authorized to send on behalf of ${arn.slice(0, 200)}: this server has no sending authorization policies.`);
  }
}

/**
 * SendEmail (SES v2): Simple content goes through v1 SendEmail's composition, Raw through
 * SendRawEmail's handling (Destination, when given, overrides the headers' recipients as v1's
 * Destinations does); both then sign and keep the message the same way. Templates: Signet keeps
 * none yet, so any name is answered as SES answers a missing one.
 */
export async function sendEmailV2(ctx: AppContext, input: SendEmailV2Input): Promise<string> {
  checkIdentityArn(input.scope, input.fromArn);
  const recipients = [...input.to, ...input.cc, ...input.bcc];
  switch (input.kind) {
    case 'template':
      if (input.templateName === null) throw new DomainError('not_supported', 'Inline TemplateContent is not supported by this server yet.');
      throw new DomainError('template_not_found', `Template ${input.templateName} does not exist.`);
    case 'simple':
      if (recipients.length === 0) throw new DomainError('invalid_parameter', 'At least one destination address is required.');
      return sendEmail(ctx, input.scope, {
        source: input.from,
        to: input.to,
        cc: input.cc,
        bcc: input.bcc,
        replyTo: input.replyTo,
        returnPath: undefined,
        subject: input.subject,
        text: input.text,
        html: input.html,
        tags: input.tags,
        configurationSetName: input.configurationSetName,
      });
    case 'raw':
      return sendRawEmail(ctx, input.scope, {
        source: input.from,
        destinations: input.hasDestination ? recipients : undefined,
        raw: input.raw,
        tags: input.tags,
        configurationSetName: input.configurationSetName,
      });
  }
}
