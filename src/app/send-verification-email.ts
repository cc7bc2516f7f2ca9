import { createHash } from 'node:crypto';
import { normalizeEmail, simulatedOutcomes, type Scope } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { checkDailyQuota } from './sending-quota.ts';
import { newMessageId } from './send-email.ts';

/** SES: "The link in the verification email expires after 24 hours." */
export const VERIFICATION_TTL_MS = 24 * 3_600_000;

/** Only a hash of the link's token is stored, so a copy of the database cannot verify addresses. */
export function verificationTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * VerifyEmailIdentity's mail: a message to the address with a link to Signet's
 * `/_signet/verify-email?token=...`, sent through the same outbox and relay as every other message.
 * Nothing is sent for an address already verified. The mail counts against the account's sending
 * quota like any other (issue 14: otherwise VerifyEmailIdentity would send unmetered mail), and is
 * refused, before any token is made, when the quota is used up.
 */
export async function sendVerificationEmail(ctx: AppContext, scope: Scope, addressInput: string): Promise<string | null> {
  const send = ctx.send;
  if (!send) return null;
  const address = normalizeEmail(addressInput, ctx.toAscii).name;
  const identity = (await ctx.store.getIdentities(scope, [address])).get(address);
  if (identity?.verificationStatus === 'Success') return null;
  await checkDailyQuota(ctx, send, scope, 1);
  const now = ctx.clock.now();
  const token = Buffer.from(ctx.random.bytes(32)).toString('base64url');
  const ttl = send.verificationMail.ttlMs;
  await send.verifications.addToken(scope, address, verificationTokenHash(token), now + ttl, now);
  const link = `${send.verificationMail.publicUrl.replace(/\/$/, '')}/_signet/verify-email?token=${token}`;
  const messageId = newMessageId(now, ctx.random);
  const subject = `Signet Email Address Verification Request in region ${scope.region}`;
  const text = [
    'Dear Signet customer,',
    '',
    `We have received a request to authorize this email address for use with Signet in region ${scope.region}.`,
    'If you requested this verification, please go to the following URL to confirm that you are authorized',
    'to use this email address:',
    '',
    link,
    '',
    `Your request will not be processed unless you confirm the address using this URL. This link expires ${Math.round(ttl / 3_600_000)} hours after your original verification request.`,
    '',
  ].join('\n');
  const composed = await send.composer.compose({
    from: send.verificationMail.from,
    to: [address],
    cc: [],
    replyTo: [],
    subject: { data: subject, charset: undefined },
    text: { data: text, charset: undefined },
    html: null,
    date: new Date(now),
    messageIdHeader: `<${messageId}@${send.policy.messageIdDomain}>`,
  });
  // The operator's own mail: only the platform signature applies (no customer key ever signs it).
  const raw = send.platformSigner ? send.platformSigner.sign(composed, Math.floor(now / 1000)) : composed;
  const simulated = simulatedOutcomes([address]);
  const relayed = send.relay && simulated.length === 0;
  await send.outbox.add({
    messageId,
    scope,
    kind: 'verification',
    source: send.verificationMail.from,
    envelopeFrom: send.verificationMail.from,
    recipients: [address],
    simulated,
    subject,
    simple: { subject, text, html: null, to: [address], cc: [], bcc: [] },
    tags: [],
    raw,
    signature: null,
    unsignedReason: 'verification mail is sent by the platform',
    delivery: relayed ? 'pending' : 'none',
    createdAt: now,
  });
  if (relayed) send.onQueued();
  return messageId;
}

/** The link's target: marks the address Success, or Failed when the link has expired. */
export async function confirmEmailVerification(ctx: AppContext, token: string): Promise<{ address: string; status: 'Success' | 'Failed' } | null> {
  const send = ctx.send;
  if (!send || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const result = await send.verifications.useToken(verificationTokenHash(token), ctx.clock.now());
  return result ? { address: result.address, status: result.status } : null;
}
