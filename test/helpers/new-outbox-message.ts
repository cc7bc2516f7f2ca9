import type { NewOutboxMessage } from '../../src/app/send-ports.ts';
import type { Scope } from '../../src/core/index.ts';

/** A plain message for the store's outbox (one recipient, no simulator, not signed, not queued), with `fields` over it. */
export function newOutboxMessage(scope: Scope, fields: Partial<NewOutboxMessage> & Pick<NewOutboxMessage, 'messageId'>): NewOutboxMessage {
  return {
    scope,
    kind: 'email',
    source: 's@example.com',
    envelopeFrom: 's@example.com',
    recipients: ['r@dest.example'],
    simulated: [],
    subject: 'x',
    simple: null,
    tags: [],
    raw: Buffer.from('x'),
    signature: null,
    unsignedReason: null,
    delivery: 'none',
    createdAt: 0,
    ...fields,
  };
}
