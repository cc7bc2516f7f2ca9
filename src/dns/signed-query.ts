import { appendTsigError, RCODE_NOTAUTH, readTsig, signMessage, verifyRequest, type TsigKey } from './tsig.ts';

const HEADER_BYTES = 12;

/** The question section's end (one question, or none), or -1 when it cannot be read. */
function questionEnd(message: Buffer): number {
  let offset = HEADER_BYTES;
  for (let q = message.readUInt16BE(4); q > 0; q--) {
    while (offset < message.length && message[offset] !== 0) {
      if (message[offset]! > 63) return -1;
      offset += 1 + message[offset]!;
    }
    offset += 5;
  }
  return offset <= message.length ? offset : -1;
}

/**
 * Answers a query that carries a TSIG record (RFC 8945): a secondary configured with a key for its
 * primary signs its SOA probes too (BIND and NSD do, before every transfer), and discards an answer
 * that is not signed back. The TSIG record is taken off, the rest answered as any query, and the answer
 * signed with the request's MAC; a query signed with an unknown key or a wrong MAC gets NOTAUTH.
 * Returns undefined when the message has no TSIG record (the caller answers it as usual).
 */
export async function answerSignedQuery(
  message: Buffer,
  keys: readonly TsigKey[],
  answer: (unsigned: Buffer) => Buffer | null | Promise<Buffer | null>,
  now: number = Math.floor(Date.now() / 1000),
): Promise<Buffer | null | undefined> {
  if (message.length < HEADER_BYTES || message.readUInt16BE(10) === 0 || (message[2]! & 0x80) !== 0) return undefined;
  let tsig;
  try {
    tsig = readTsig(message);
  } catch {
    return undefined; // malformed: answerQuery says FORMERR
  }
  if (tsig === null) return undefined;
  const verdict = verifyRequest(message, keys, now);
  if (verdict.kind !== 'ok') {
    const end = questionEnd(message);
    if (end < 0) return null;
    const reply = Buffer.from(message.subarray(0, end));
    reply[2] = 0x80 | (message[2]! & 0x79);
    reply[3] = RCODE_NOTAUTH;
    reply.writeUInt32BE(0, 6);
    reply.writeUInt16BE(0, 10);
    if (verdict.kind === 'refused') return appendTsigError(reply, verdict.keyName, verdict.timeSigned, verdict.error);
    return null;
  }
  const unsigned = Buffer.from(message.subarray(0, tsig.offset));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const reply = await answer(unsigned);
  if (reply === null) return null;
  return signMessage(reply, verdict.key, { now, requestMac: verdict.mac }).message;
}
