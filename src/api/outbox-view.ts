import type { OutboxMessage } from '../app/send-ports.ts';

/**
 * One message in LocalStack's `/_aws/ses` shape (its SES provider's "sent messages" endpoint), so
 * that test helpers written against LocalStack read Signet's outbox unchanged: SendEmail messages
 * carry `Destination`, `Subject` and `Body.text_part`/`html_part`; SendRawEmail ones `RawData`.
 * `Signet` is an addition: the signature, the delivery state, the mailbox simulator's outcome per
 * simulator recipient (`Simulator`, in the terms of SES's event notifications), and the message bytes
 * for every kind.
 */
export function localStackView(m: OutboxMessage): Record<string, unknown> {
  const base = { Id: m.messageId, Region: m.scope.region, Source: m.source, Timestamp: new Date(m.createdAt).toISOString() };
  const signet = {
    Kind: m.kind,
    Recipients: m.recipients,
    Signed: m.signature !== null,
    SigningDomain: m.signature?.domain ?? null,
    Selector: m.signature?.selector ?? null,
    UnsignedReason: m.unsignedReason,
    Delivery: m.delivery,
    Simulator: m.simulated,
  };
  if (m.simple === null) return { ...base, RawData: m.raw.toString('utf8'), Signet: signet };
  return {
    ...base,
    Destination: { ToAddresses: m.simple.to, CcAddresses: m.simple.cc, BccAddresses: m.simple.bcc },
    Subject: m.simple.subject,
    Body: { text_part: m.simple.text, html_part: m.simple.html },
    Signet: { ...signet, RawData: m.raw.toString('utf8') },
  };
}
