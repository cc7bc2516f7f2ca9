import {
  DomainError,
  envelopeDecision,
  mailFromEnvelopeSender,
  normalizeEmail,
  signingDecision,
  type SigningDecision,
  simulatedOutcomes,
  simulatorScenario,
  type Content,
  type EnvelopeDecision,
  type Scope,
  type SimulatedOutcome,
} from '../core/index.ts';
import {
  addressesOf,
  firstAddress,
  headerValues,
  parseMessage,
  rewriteHeaders,
  rfc5322Date,
  sesMessageTags,
  toCrlf,
  type ParsedMessage,
} from '../mail/raw-message.ts';
import type { AppContext } from './context.ts';
import type { Random, StoredDkimKey } from './ports.ts';
import { externalSigningKey } from './external-dkim.ts';
import { accountLimits, checkDailyQuota, type AccountLimits } from './sending-quota.ts';
import type { OutboxKind, SendServices, SimpleParts } from './send-ports.ts';

/** SES: "The maximum message size is 10 MB" (SendEmail and SendRawEmail docs), 10485760 bytes. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** SES: "The message may not include more than 50 recipients, across the To:, CC: and BCC: fields." */
export const MAX_RECIPIENTS = 50;

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
  /** The API's 10 MB unless the interface says otherwise (SES's SMTP interface takes 40 MB). */
  readonly maxBytes?: number;
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
export function newMessageId(now: number, random: Random): string {
  return `0100${Math.floor(now).toString(16).padStart(12, '0').slice(-12)}-${uuidV4(random.bytes(16))}-000000`;
}

/** RFC 9562 §5.4: a version-4 UUID from 16 random bytes (version and variant bits set). */
function uuidV4(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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

/**
 * Every mailbox of an address field: a list (`a@x, b@y`) and group syntax (`friends: a@x, b@y;`)
 * included, parsed by nodemailer's addressparser; each is checked as SES checks an address. A field
 * that names no mailbox at all is malformed.
 */
function checkedMailboxes(ctx: AppContext, text: string): { address: string; domain: string }[] {
  const mailboxes = addressesOf([text]);
  if (mailboxes.length === 0) throw new DomainError('invalid_parameter', `Missing final '@domain'`);
  return mailboxes.map((m) => checkedAddress(ctx, m));
}

/**
 * The one value of a header field that RFC 5322 §3.6 allows at most once (From, Sender), or
 * undefined; SES refuses a repeated one with InvalidParameterValue "Duplicate header 'From'.". A
 * second From would otherwise carry an address nobody checked.
 */
function singleField(parsed: ParsedMessage, name: string): string | undefined {
  const values = headerValues(parsed, name);
  if (values.length > 1) throw new DomainError('invalid_parameter', `Duplicate header '${name}'.`);
  return values[0];
}

function checkRecipients(ctx: AppContext, recipients: readonly string[]): string[] {
  if (recipients.length === 0) throw rejected("Missing required header 'To'.");
  if (recipients.length > MAX_RECIPIENTS) throw rejected('Recipient count exceeds 50.');
  return recipients.map((r) => checkedAddress(ctx, r).address);
}

/** SES's size limit, with its text (exported: the API checks a raw message's encoded length before decoding it). */
export function checkMessageSize(bytes: number, max = MAX_MESSAGE_BYTES): void {
  if (bytes > max) throw new DomainError('message_too_long', `Message length is more than ${max} bytes long: '${bytes}'.`);
}

/**
 * The sender must be a verified identity: the address itself or its domain (SES: "you can only send
 * email from verified email addresses or domains"). A domain counts as verified once its TXT record or
 * its DKIM CNAMEs were found (the detection lifecycle sets its verification status to Success).
 * In the sandbox the recipients must be too ("you can only send mail to verified email addresses and
 * domains, or to the Amazon SES mailbox simulator"): identities of the same account and region. One
 * message names every address that failed, senders first (SES's message lists several).
 */
async function checkVerified(
  ctx: AppContext,
  scope: Scope,
  senders: readonly { address: string; domain: string }[],
  sandboxRecipients: readonly string[] = [],
): Promise<void> {
  const recipients = sandboxRecipients.filter((r) => simulatorScenario(r) === null).map((r) => ({ address: r, domain: r.slice(r.lastIndexOf('@') + 1) }));
  const addresses = [...senders, ...recipients];
  const names = [...new Set(addresses.flatMap((a) => [a.address, a.domain]))];
  const found = await ctx.store.getIdentities(scope, names);
  const failed = addresses.filter((a) => found.get(a.address)?.verificationStatus !== 'Success' && found.get(a.domain)?.verificationStatus !== 'Success');
  if (failed.length > 0) {
    const list = [...new Set(failed.map((a) => a.address))].join(', ');
    throw rejected(`Email address is not verified. The following identities failed the check in region ${scope.region.toUpperCase()}: ${list}`);
  }
}

/**
 * The custom MAIL FROM set-up that applies to a message: the sending address's own, when it has a
 * MAIL FROM domain, else its domain's. With the domain verified the envelope sender is an address
 * there; not verified, BehaviorOnMXFailure decides: the default envelope sender, or the message is
 * refused. SES's API names the error MailFromDomainNotVerifiedException; its SMTP endpoint was seen
 * answering `554 MAIL FROM domain not verified: DNS setup for MAIL FROM domain is invalid.`, whose
 * part after the colon is taken as the message (as `Message rejected: <message>` is for MessageRejected).
 */
async function envelopeFor(ctx: AppContext, scope: Scope, sender: { address: string; domain: string }): Promise<EnvelopeDecision> {
  const settings = await ctx.mailFrom.get(scope, [sender.address, sender.domain]);
  const own = settings.get(sender.address);
  const decision = envelopeDecision(own?.mailFromDomain ? own : (settings.get(sender.domain) ?? null));
  if (decision.kind === 'reject') throw new DomainError('mail_from_domain_not_verified', 'DNS setup for MAIL FROM domain is invalid.');
  return decision;
}

/** SMTP MAIL FROM: an address at the verified MAIL FROM domain, else what the message names. */
function envelopeSender(decision: EnvelopeDecision, messageId: string, fallback: string): string {
  return decision.kind === 'mail_from' ? mailFromEnvelopeSender(messageId, decision.domain) : fallback;
}

function takeRateSlot(send: SendServices, scope: Scope, limits: AccountLimits): void {
  // MaxSendRate is per account and region, like every SES quota; the code and wording are SES's.
  // Mail to the mailbox simulator counts here too (SES: "limited by your account's maximum sending rate").
  const key = `${scope.accountId}/${scope.region}`;
  const sandboxed = !limits.productionAccess && send.sandboxRate !== null;
  if ((sandboxed && !send.sandboxRate!.tryTake(key)) || (send.rate && !send.rate.tryTake(key))) {
    throw new DomainError('sending_rate_exceeded', 'Maximum sending rate exceeded.');
  }
}

/** The recipients the daily quota counts: all but the mailbox simulator's. */
function quotaRecipients(recipients: readonly string[]): number {
  return recipients.filter((r) => simulatorScenario(r) === null).length;
}

interface Prepared {
  readonly kind: OutboxKind;
  readonly messageId: string;
  readonly source: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly simulated: readonly SimulatedOutcome[];
  /** The address in the From header: its domain decides the DKIM signature. */
  readonly fromDomain: string;
  readonly subject: string;
  readonly simple: SimpleParts | null;
  readonly tags: readonly Tag[];
  readonly message: Buffer;
  readonly now: number;
  /** The size limit of the interface the message came through (checked again once signed). */
  readonly maxBytes: number;
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
  // Only this domain's keys are ever fetched, and only when it may sign; the signer checks the key's domain once more.
  // BYODKIM first: the external key signs when it is the verified method (core signingMethod); else Easy DKIM's rules.
  const external = await externalSigningKey(ctx.externalDkim, scope, p.fromDomain, identity);
  const keys =
    external === null && identity?.kind === 'Domain' && identity.dkimStatus === 'Success' && identity.dkimEnabled
      ? await ctx.store.getDkimKeys(scope, p.fromDomain)
      : [];
  const decision: SigningDecision<StoredDkimKey> = external !== null ? { sign: true, key: external } : signingDecision(p.fromDomain, identity, keys);
  if (decision.sign) {
    try {
      raw = send.signer.sign(p.message, p.fromDomain, decision.key, Math.floor(p.now / 1000));
      signature = { domain: p.fromDomain, selector: decision.key.token };
    } catch (err) {
      unsignedReason = `cannot sign for ${p.fromDomain}: ${(err as Error).message}`;
    }
  } else {
    unsignedReason = decision.reason;
  }
  const unsignedKind = decision.sign ? 'unsignable' : decision.kind;
  if (unsignedReason !== null) {
    send.onUnsigned({ messageId: p.messageId, domain: p.fromDomain, reason: unsignedReason, kind: unsignedKind });
    if (unsignedKind === 'unsignable' && send.policy.unsignable === 'refuse') {
      throw rejected(`The message could not be DKIM-signed for ${p.fromDomain}.`);
    }
  }
  // SES adds its amazonses.com signature to all mail, signed by the customer's domain or not; so does
  // the operator's platform signature, last, so that it sits on top (RFC 6376 §5.6).
  if (send.platformSigner) raw = send.platformSigner.sign(raw, Math.floor(p.now / 1000));
  checkMessageSize(raw.length, p.maxBytes);
  // Only ordinary recipients go to the relay; a message only to the simulator is never queued.
  const relayed = send.relay && p.simulated.length < p.recipients.length;
  await send.outbox.add({
    messageId: p.messageId,
    scope,
    kind: p.kind,
    source: p.source,
    envelopeFrom: p.envelopeFrom,
    recipients: p.recipients,
    simulated: p.simulated,
    subject: p.subject,
    simple: p.simple,
    tags: p.tags,
    raw,
    signature,
    unsignedReason,
    delivery: relayed ? 'pending' : 'none',
    createdAt: p.now,
  });
  if (relayed) send.onQueued();
  return p.messageId;
}

function servicesOf(ctx: AppContext): SendServices {
  if (!ctx.send) throw new Error('sending is not configured in this composition');
  return ctx.send;
}

function checkTags(tags: readonly Tag[]): void {
  // SES: tag names and values may hold only ASCII letters, digits, '_' and '-', under 256 characters.
  for (const tag of tags) {
    for (const [what, text] of [
      ['name', tag.name],
      ['value', tag.value],
    ] as const) {
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
  // Source becomes the From header: every mailbox in it must be verified, not only the first.
  const sources = checkedMailboxes(ctx, input.source);
  const sender = sources[0]!;
  const recipients = checkRecipients(ctx, [...input.to, ...input.cc, ...input.bcc]);
  for (const r of input.replyTo) checkedAddress(ctx, r);
  const returnPath = input.returnPath === undefined ? null : checkedAddress(ctx, input.returnPath);
  // SES: the Source and the Return-Path must both be verified identities (and the recipients too, in the sandbox).
  const limits = await accountLimits(send, scope.accountId);
  await checkVerified(ctx, scope, returnPath === null ? sources : [...sources, returnPath], limits.productionAccess ? [] : recipients);
  const envelope = await envelopeFor(ctx, scope, sender);
  await checkDailyQuota(ctx, send, scope, quotaRecipients(recipients), limits);
  takeRateSlot(send, scope, limits);
  const now = ctx.clock.now();
  const messageId = newMessageId(now, ctx.random);
  const message = await send.composer.compose({
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
  checkMessageSize(message.length);
  return signAndKeep(ctx, send, scope, {
    kind: 'email',
    messageId,
    source: input.source,
    envelopeFrom: envelopeSender(envelope, messageId, returnPath?.address ?? sender.address),
    recipients,
    simulated: simulatedOutcomes(recipients),
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
    maxBytes: MAX_MESSAGE_BYTES,
  });
}

/**
 * SendRawEmail: the caller's MIME message, sent as given apart from what SES changes: the X-SES-*-ARN
 * headers and Bcc removed, Message-ID and Date set. Source defaults to the From header; recipients
 * to the To, Cc and Bcc headers.
 */
export async function sendRawEmail(ctx: AppContext, scope: Scope, input: SendRawEmailInput): Promise<string> {
  const send = servicesOf(ctx);
  const maxBytes = input.maxBytes ?? MAX_MESSAGE_BYTES;
  checkMessageSize(input.raw.length, maxBytes);
  const parsed = parseMessage(toCrlf(input.raw));
  // SES reads message tags from X-SES-MESSAGE-TAGS too (the SMTP interface's only way to give them);
  // rewriteHeaders removes it and X-SES-CONFIGURATION-SET. Signet has no configuration sets, so the
  // latter is dropped without effect.
  const tags = [...input.tags, ...sesMessageTags(headerValues(parsed, 'X-SES-MESSAGE-TAGS'))];
  checkTags(tags);
  // RFC 5322 §3.6: exactly one From field, at most one Sender.
  const fromHeader = singleField(parsed, 'From');
  if (fromHeader === undefined) throw new DomainError('invalid_parameter', `Missing required header 'From'.`);
  const fromMailboxes = checkedMailboxes(ctx, fromHeader);
  const from = fromMailboxes[0]!;
  const senderHeader = singleField(parsed, 'Sender');
  const sourceText = input.source ?? fromHeader;
  const sender = input.source === undefined ? from : checkedAddress(ctx, input.source);
  const recipients = checkRecipients(
    ctx,
    input.destinations ?? addressesOf([...headerValues(parsed, 'To'), ...headerValues(parsed, 'Cc'), ...headerValues(parsed, 'Bcc')]),
  );
  // As SES: the envelope sender, every From mailbox, the Sender and the Return-Path must all be
  // verified identities of this account (in the sandbox every recipient too); one unverified address
  // rejects the message.
  const limits = await accountLimits(send, scope.accountId);
  await checkVerified(
    ctx,
    scope,
    [
      sender,
      ...fromMailboxes,
      ...(senderHeader === undefined ? [] : checkedMailboxes(ctx, senderHeader)),
      // `Return-Path: <>` (the null reverse-path of bounces) names nobody, so it has nothing to check.
      ...addressesOf(headerValues(parsed, 'Return-Path')).map((address) => checkedAddress(ctx, address)),
    ],
    limits.productionAccess ? [] : recipients,
  );
  const envelope = await envelopeFor(ctx, scope, sender);
  await checkDailyQuota(ctx, send, scope, quotaRecipients(recipients), limits);
  takeRateSlot(send, scope, limits);
  const now = ctx.clock.now();
  const messageId = newMessageId(now, ctx.random);
  const message = rewriteHeaders(parsed, { date: rfc5322Date(now), messageIdHeader: `<${messageId}@${send.policy.messageIdDomain}>` });
  return signAndKeep(ctx, send, scope, {
    kind: 'raw',
    messageId,
    source: sourceText,
    envelopeFrom: envelopeSender(envelope, messageId, sender.address),
    recipients,
    simulated: simulatedOutcomes(recipients),
    fromDomain: from.domain,
    subject: headerValues(parsed, 'Subject')[0] ?? '',
    simple: null,
    tags: keptTags(tags, input.configurationSetName),
    message,
    now,
    maxBytes,
  });
}
