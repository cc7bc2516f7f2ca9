import { randomUUID } from 'node:crypto';
import { DomainError, normalizeEmail, type Scope } from '../core/index.ts';
import { CharsetError, composeMessage, type Content } from '../mail/compose.ts';
import { addressesOf, firstAddress, headerValues, parseMessage, rewriteHeaders, rfc5322Date, toCrlf } from '../mail/raw-message.ts';
import type { AppContext } from './context.ts';
import type { OutboxKind, SendServices, SimpleParts } from './send-ports.ts';

/** SES: "The maximum message size is 10 MB" (SendEmail and SendRawEmail docs), 10485760 bytes. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** SES: "The message may not include more than 50 recipients, across the To:, CC: and BCC: fields." */
export const MAX_RECIPIENTS = 50;
const DAY_MS = 86_400_000;

export interface Tag {
  readonly name: string;
  readonly value: string;
}

export interface SendEmailInput {
  readonly source: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly replyTo: readonly string[];
  readonly returnPath: string | undefined;
  readonly subject: Content;
  readonly text: Content | null;
  readonly html: Content | null;
  readonly tags: readonly Tag[];
  /** SES v2's ConfigurationSetName; kept with the message as SES's own `ses:configuration-set` tag. */
  readonly configurationSetName?: string | undefined;
}

export interface SendRawEmailInput {
  readonly source: string | undefined;
  readonly destinations: readonly string[] | undefined;
  readonly raw: Buffer;
  readonly tags: readonly Tag[];
  readonly configurationSetName?: string | undefined;
}

function rejected(message: string): DomainError {
  return new DomainError('message_rejected', message);
}

/**
 * SES's MessageId: 16 hex digits, a UUID, `-000000` (the API reference's example
 * `EXAMPLE78603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000`). Real ids start `0100` and carry the
 * send time in milliseconds in the next 12 digits, which also makes them sort by time.
 */
export function newMessageId(now: number): string {
  return `0100${Math.floor(now).toString(16).padStart(12, '0').slice(-12)}-${randomUUID()}-000000`;
}

/**
 * A recipient or source address as SES checks it: one mailbox (a display name is allowed), a 7-bit
 * local part and a valid domain. SES answers a malformed one with InvalidParameterValue and rejects
 * the whole message.
 */
function checkedAddress(ctx: AppContext, text: string): { address: string; domain: string } {
  const address = firstAddress(text);
  if (address === null || !address.includes('@')) throw new DomainError('invalid_parameter', `Missing final '@domain'`);
  try {
    const parsed = normalizeEmail(address, ctx.toAscii);
    return { address: parsed.name, domain: parsed.domain };
  } catch {
    throw new DomainError('invalid_parameter', `Illegal address`);
  }
}

function checkRecipients(ctx: AppContext, recipients: readonly string[]): string[] {
  if (recipients.length === 0) throw rejected('Missing required header \'To\'.');
  if (recipients.length > MAX_RECIPIENTS) throw rejected('Recipient count exceeds 50.');
  return recipients.map((r) => checkedAddress(ctx, r).address);
}

function checkSize(bytes: number): void {
  if (bytes > MAX_MESSAGE_BYTES) throw rejected(`Message length is more than ${MAX_MESSAGE_BYTES} bytes long: '${bytes}'.`);
}

/**
 * The sender must be a verified identity: the address itself or its domain (SES: "you can only send
 * email from verified email addresses or domains"). A domain counts as verified once its TXT record or
 * its DKIM CNAMEs were found (the detection lifecycle sets its verification status to Success).
 */
async function checkVerified(ctx: AppContext, scope: Scope, addresses: readonly { address: string; domain: string }[]): Promise<void> {
  const names = addresses.flatMap((a) => [a.address, a.domain]);
  const found = await ctx.store.getIdentities(scope, names);
  const failed = addresses.filter(
    (a) => found.get(a.address)?.verificationStatus !== 'Success' && found.get(a.domain)?.verificationStatus !== 'Success',
  );
  if (failed.length > 0) {
    const list = [...new Set(failed.map((a) => a.address))].join(', ');
    throw rejected(`Email address is not verified. The following identities failed the check in region ${scope.region.toUpperCase()}: ${list}`);
  }
}

async function checkQuota(ctx: AppContext, send: SendServices, scope: Scope, recipients: number): Promise<void> {
  const max = send.policy.max24HourSend;
  if (max < 0) return;
  const sent = await send.outbox.countRecipientsSince(scope, ctx.clock.now() - DAY_MS);
  // SES: "Every recipient counts against the 24-hour quota."
  if (sent + recipients > max) throw rejected('Daily message quota exceeded.');
}

function takeRateSlot(send: SendServices, scope: Scope): void {
  // MaxSendRate is per account and region, like every SES quota; the code and wording are SES's.
  if (send.rate && !send.rate.tryTake(`${scope.accountId}/${scope.region}`)) {
    throw new DomainError('sending_rate_exceeded', 'Maximum sending rate exceeded.');
  }
}

interface Prepared {
  readonly kind: OutboxKind;
  readonly messageId: string;
  readonly source: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  /** The address in the From header: its domain decides the DKIM signature. */
  readonly fromDomain: string;
  readonly subject: string;
  readonly simple: SimpleParts | null;
  readonly tags: readonly Tag[];
  readonly message: Buffer;
  readonly now: number;
}

/**
 * Signs as SES promises after Easy DKIM succeeds: with the From domain's own active key, only when its
 * DKIM status is Success and DKIM is on. Anything else leaves the message unsigned, and says why.
 */
async function signAndKeep(ctx: AppContext, send: SendServices, scope: Scope, p: Prepared): Promise<string> {
  let raw = p.message;
  let signature: { domain: string; selector: string } | null = null;
  let unsignedReason: string | null = null;
  const identity = (await ctx.store.getIdentities(scope, [p.fromDomain])).get(p.fromDomain);
  if (identity === undefined || identity.kind !== 'Domain' || identity.dkimStatus !== 'Success') {
    unsignedReason = `DKIM for ${p.fromDomain} is ${identity?.kind === 'Domain' ? identity.dkimStatus : 'NotStarted'}`;
    send.onUnsigned({ messageId: p.messageId, domain: p.fromDomain, reason: unsignedReason, kind: 'not_verified' });
  } else if (!identity.dkimEnabled) {
    unsignedReason = `DKIM signing is disabled for ${p.fromDomain}`;
    send.onUnsigned({ messageId: p.messageId, domain: p.fromDomain, reason: unsignedReason, kind: 'disabled' });
  } else {
    // Only this domain's keys are ever fetched; the signer checks the key's domain once more.
    const keys = (await ctx.store.getDkimKeys(scope, p.fromDomain)).filter((k) => k.state === 'active' && k.domain === p.fromDomain);
    const key = keys[0];
    try {
      if (key === undefined) throw new Error(`no active DKIM key for ${p.fromDomain}`);
      raw = send.signer.sign(p.message, p.fromDomain, key, Math.floor(p.now / 1000));
      signature = { domain: p.fromDomain, selector: key.token };
    } catch (err) {
      unsignedReason = `cannot sign for ${p.fromDomain}: ${(err as Error).message}`;
      send.onUnsigned({ messageId: p.messageId, domain: p.fromDomain, reason: unsignedReason, kind: 'unsignable' });
      if (send.policy.unsignable === 'refuse') {
        throw rejected(`The message could not be DKIM-signed for ${p.fromDomain}.`);
      }
    }
  }
  // SES adds its amazonses.com signature to all mail, signed by the customer's domain or not; so does
  // the operator's platform signature, last, so that it sits on top (RFC 6376 §5.6).
  if (send.platformSigner) raw = send.platformSigner.sign(raw, Math.floor(p.now / 1000));
  checkSize(raw.length);
  await send.outbox.add({
    messageId: p.messageId,
    scope,
    kind: p.kind,
    source: p.source,
    envelopeFrom: p.envelopeFrom,
    recipients: p.recipients,
    subject: p.subject,
    simple: p.simple,
    tags: p.tags,
    raw,
    signature,
    unsignedReason,
    delivery: send.relay ? 'pending' : 'none',
    createdAt: p.now,
  });
  if (send.relay) send.onQueued();
  return p.messageId;
}

function servicesOf(ctx: AppContext): SendServices {
  if (!ctx.send) throw new Error('sending is not configured in this composition');
  return ctx.send;
}

function checkTags(tags: readonly Tag[]): void {
  // SES: tag names and values may hold only ASCII letters, digits, '_' and '-', under 256 characters.
  for (const tag of tags) {
    for (const [what, text] of [['name', tag.name], ['value', tag.value]] as const) {
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(text)) {
        throw new DomainError('invalid_parameter', `Invalid tag ${what}: ${JSON.stringify(text.slice(0, 64))}.`);
      }
    }
  }
}

/**
 * SES tags every message sent under a configuration set with `ses:configuration-set` (its
 * auto-tags); the name is the caller's, after the caller's own tags were checked.
 */
function keptTags(tags: readonly Tag[], configurationSetName: string | undefined): readonly Tag[] {
  return configurationSetName === undefined ? tags : [...tags, { name: 'ses:configuration-set', value: configurationSetName }];
}

/** SendEmail: builds the MIME message from its parts, then checks, signs and keeps it like a raw one. */
export async function sendEmail(ctx: AppContext, scope: Scope, input: SendEmailInput): Promise<string> {
  const send = servicesOf(ctx);
  checkTags(input.tags);
  const sender = checkedAddress(ctx, input.source);
  const recipients = checkRecipients(ctx, [...input.to, ...input.cc, ...input.bcc]);
  for (const r of input.replyTo) checkedAddress(ctx, r);
  const returnPath = input.returnPath === undefined ? null : checkedAddress(ctx, input.returnPath).address;
  await checkVerified(ctx, scope, [sender]);
  await checkQuota(ctx, send, scope, recipients.length);
  takeRateSlot(send, scope);
  const now = ctx.clock.now();
  const messageId = newMessageId(now);
  let message: Buffer;
  try {
    message = await composeMessage({
      from: input.source,
      to: input.to,
      cc: input.cc,
      replyTo: input.replyTo,
      subject: input.subject,
      text: input.text,
      html: input.html,
      date: new Date(now),
      messageIdHeader: `<${messageId}@${send.policy.messageIdDomain}>`,
    });
  } catch (err) {
    if (err instanceof CharsetError) throw new DomainError('invalid_parameter', err.message);
    throw err;
  }
  checkSize(message.length);
  return signAndKeep(ctx, send, scope, {
    kind: 'email',
    messageId,
    source: input.source,
    envelopeFrom: returnPath ?? sender.address,
    recipients,
    fromDomain: sender.domain,
    subject: input.subject.data,
    simple: {
      subject: input.subject.data,
      text: input.text?.data ?? null,
      html: input.html?.data ?? null,
      to: input.to,
      cc: input.cc,
      bcc: input.bcc,
    },
    tags: keptTags(input.tags, input.configurationSetName),
    message,
    now,
  });
}

/**
 * SendRawEmail: the caller's MIME message, sent as given apart from what SES changes: the X-SES-*-ARN
 * headers and Bcc removed, Message-ID and Date set. Source defaults to the From header; recipients
 * to the To, Cc and Bcc headers.
 */
export async function sendRawEmail(ctx: AppContext, scope: Scope, input: SendRawEmailInput): Promise<string> {
  const send = servicesOf(ctx);
  checkTags(input.tags);
  checkSize(input.raw.length);
  const parsed = parseMessage(toCrlf(input.raw));
  const fromHeader = headerValues(parsed, 'From')[0];
  if (fromHeader === undefined) throw new DomainError('invalid_parameter', `Missing required header 'From'.`);
  const from = checkedAddress(ctx, fromHeader);
  const sourceText = input.source ?? fromHeader;
  const sender = input.source === undefined ? from : checkedAddress(ctx, input.source);
  const recipients = checkRecipients(
    ctx,
    input.destinations ?? addressesOf([...headerValues(parsed, 'To'), ...headerValues(parsed, 'Cc'), ...headerValues(parsed, 'Bcc')]),
  );
  // Both the envelope sender and the From header must be verified identities.
  await checkVerified(ctx, scope, from.address === sender.address ? [sender] : [sender, from]);
  await checkQuota(ctx, send, scope, recipients.length);
  takeRateSlot(send, scope);
  const now = ctx.clock.now();
  const messageId = newMessageId(now);
  const message = rewriteHeaders(parsed, { date: rfc5322Date(now), messageIdHeader: `<${messageId}@${send.policy.messageIdDomain}>` });
  return signAndKeep(ctx, send, scope, {
    kind: 'raw',
    messageId,
    source: sourceText,
    envelopeFrom: sender.address,
    recipients,
    fromDomain: from.domain,
    subject: headerValues(parsed, 'Subject')[0] ?? '',
    simple: null,
    tags: keptTags(input.tags, input.configurationSetName),
    message,
    now,
  });
}
