import dnsPacket, { type Answer } from 'dns-packet';
import { dkimTxtRecordStrings, isDkimToken, publicKeyOfDkimTxtRecordText } from '../core/index.ts';
import type { PublishedKey } from '../app/detection-ports.ts';
import type { KeyZone } from './key-zone.ts';

/** Finds the key published under a token (lower case). May answer synchronously, for speed. */
export type KeyLookup = (token: string) => PublishedKey | null | Promise<PublishedKey | null>;

export type Transport = 'udp' | 'tcp';

/**
 * A TXT record's RDATA (RFC 1035 §3.3.14) as a one-byte string, each character one byte (latin1): how
 * the DNS server keeps a key's answer in memory. A string rather than a Buffer: at a million domains
 * the cache holds tens of thousands of them, and with its key's object and a Buffer of its own
 * (ArrayBuffer, view, backing store) an entry took about 1,580 bytes of resident memory, as a string
 * about 760 (bench/dns-cache-memory.ts), with nothing to free beside it (issue 17, the DNS process's memory bound).
 */
export type TxtRdata = string;

/** The TXT RDATA of a key already in memory (pre-encoded), or undefined when it is not there. */
export type CachedTxtLookup = (token: string) => TxtRdata | undefined;

// RFC 1035 §4.1.1 RCODEs; RFC 6891 §9 BADVERS is extended (16: upper 8 bits in the OPT record).
const NOERROR = 0;
const FORMERR = 1;
const SERVFAIL = 2;
const NXDOMAIN = 3;
const NOTIMP = 4;
const REFUSED = 5;
const BADVERS = 16;

const TYPE_NS = 2;
const TYPE_SOA = 6;
const TYPE_TXT = 16;
const TYPE_OPT = 41;
const TYPE_IXFR = 251;
const TYPE_AXFR = 252;
const TYPE_ANY = 255;
const CLASS_IN = 1;
const CLASS_ANY = 255;

const HEADER_BYTES = 12;
/** RFC 1035 §4.2.1: without EDNS a UDP message is at most 512 bytes. */
const CLASSIC_UDP_LIMIT = 512;
/** What we advertise and honour at most: the DNS Flag Day 2020 size, safe from IP fragmentation. */
export const EDNS_UDP_LIMIT = 1232;

interface ParsedQuery {
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  /** The question's bytes exactly as received: echoed unchanged, so its case is too (RFC 4343 §4.1). */
  readonly rawQuestion: Buffer;
  /** Labels of the question name, bytes as latin1 text, case as received. */
  readonly labels: readonly string[];
  readonly qtype: number;
  readonly qclass: number;
  /** The EDNS record, if the query had one (RFC 6891 §6.1.1: at most one). */
  readonly edns: { readonly udpPayloadSize: number; readonly version: number } | null;
}

type ParseResult = { kind: 'query'; query: ParsedQuery } | { kind: 'formerr' } | { kind: 'notimp' } | { kind: 'drop' };

function readQuestion(buf: Buffer): { labels: string[]; end: number } | null {
  const labels: string[] = [];
  let offset = HEADER_BYTES;
  for (;;) {
    if (offset >= buf.length) return null;
    const length = buf[offset]!;
    if (length === 0) break;
    // A compression pointer in a query's only question could point nowhere useful: malformed.
    if (length > 63) return null;
    if (offset + 1 + length > buf.length) return null;
    labels.push(buf.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  offset += 1;
  if (offset + 4 > buf.length) return null;
  return { labels, end: offset + 4 };
}

function parse(buf: Buffer): ParseResult {
  if (buf.length < HEADER_BYTES) return { kind: 'drop' };
  // A response (QR=1) is never answered: answering could start a loop between two servers.
  if ((buf[2]! & 0x80) !== 0) return { kind: 'drop' };
  let decoded: dnsPacket.Packet;
  try {
    // dns-packet checks the whole message: counts, name pointers, lengths of every record.
    decoded = dnsPacket.decode(buf);
  } catch {
    return { kind: 'formerr' };
  }
  const opcode = (buf[2]! >> 3) & 0x0f;
  if (opcode !== 0) return { kind: 'notimp' };
  if (buf.readUInt16BE(4) !== 1) return { kind: 'formerr' };
  const question = readQuestion(buf);
  if (question === null) return { kind: 'formerr' };
  const opts = (decoded.additionals ?? []).filter((a) => a.type === 'OPT') as dnsPacket.OptAnswer[];
  if (opts.length > 1) return { kind: 'formerr' };
  const opt = opts[0] as (dnsPacket.OptAnswer & { ednsVersion?: number }) | undefined;
  return {
    kind: 'query',
    query: {
      id: buf.readUInt16BE(0),
      opcode,
      rd: (buf[2]! & 0x01) !== 0,
      rawQuestion: buf.subarray(HEADER_BYTES, question.end),
      labels: question.labels,
      qtype: buf.readUInt16BE(question.end - 4),
      qclass: buf.readUInt16BE(question.end - 2),
      edns: opt ? { udpPayloadSize: opt.udpPayloadSize ?? CLASSIC_UDP_LIMIT, version: opt.ednsVersion ?? 0 } : null,
    },
  };
}

/** The reply to a message that could not be read: its id and opcode, no question, FORMERR (or NOTIMP). */
function bareReply(buf: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  buf.copy(out, 0, 0, 2);
  out[2] = 0x80 | (buf[2]! & 0x79); // QR, the opcode and RD echoed
  out[3] = rcode;
  return out;
}

interface Reply {
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
}

function soaRecord(zone: KeyZone, name = zone.name, ttl = zone.ttl): Answer {
  return {
    type: 'SOA',
    name,
    ttl,
    data: {
      mname: zone.nameservers[0]!,
      rname: zone.hostmaster,
      serial: zone.serial,
      refresh: 3600,
      retry: 600,
      expire: 1_209_600,
      minimum: zone.negativeTtl,
    },
  };
}

/** RFC 2308 §3: negative answers carry the SOA, with the TTL of the negative caching time. */
function negative(zone: KeyZone, rcode: number): Reply {
  return { rcode, authoritative: true, answers: [], authorities: [soaRecord(zone, zone.name, Math.min(zone.ttl, zone.negativeTtl))] };
}

function zoneRelativeLabels(labels: readonly string[], zone: KeyZone): string[] | null {
  const zoneLabels = zone.name.split('.');
  if (labels.length < zoneLabels.length) return null;
  const offset = labels.length - zoneLabels.length;
  for (let i = 0; i < zoneLabels.length; i++) {
    // RFC 4343: ASCII case-insensitive comparison.
    if (labels[offset + i]!.toLowerCase() !== zoneLabels[i]) return null;
  }
  return labels.slice(0, offset) as string[];
}

async function resolve(query: ParsedQuery, zone: KeyZone, lookup: KeyLookup): Promise<Reply> {
  if (query.qclass !== CLASS_IN && query.qclass !== CLASS_ANY) return { rcode: REFUSED, authoritative: false, answers: [], authorities: [] };
  const relative = zoneRelativeLabels(query.labels, zone);
  if (relative === null) return { rcode: REFUSED, authoritative: false, answers: [], authorities: [] };
  // No zone transfers: operators who serve the zone elsewhere use `signet dns export`.
  if (query.qtype === TYPE_AXFR || query.qtype === TYPE_IXFR) return { rcode: REFUSED, authoritative: false, answers: [], authorities: [] };
  const owner = query.labels.join('.');
  if (relative.length === 0) {
    const answers: Answer[] = [];
    if (query.qtype === TYPE_SOA || query.qtype === TYPE_ANY) answers.push(soaRecord(zone, owner));
    if (query.qtype === TYPE_NS || query.qtype === TYPE_ANY) {
      for (const ns of zone.nameservers) answers.push({ type: 'NS', name: owner, ttl: zone.ttl, data: ns });
    }
    return answers.length > 0 ? { rcode: NOERROR, authoritative: true, answers, authorities: [] } : negative(zone, NOERROR);
  }
  const token = relative.length === 1 ? relative[0]!.toLowerCase() : null;
  if (token === null || !isDkimToken(token)) return negative(zone, NXDOMAIN);
  const found = lookup(token);
  const key = found instanceof Promise ? await found : found;
  if (key === null) return negative(zone, NXDOMAIN);
  if (query.qtype !== TYPE_TXT && query.qtype !== TYPE_ANY) return negative(zone, NOERROR);
  return {
    rcode: NOERROR,
    authoritative: true,
    answers: [{ type: 'TXT', name: owner, ttl: zone.ttl, data: dkimTxtRecordStrings(key.publicKey) }],
    authorities: [],
  };
}

/** dns-packet's record and name codecs, which its type declarations leave out. */
const codecs = dnsPacket as unknown as {
  answer: { encode(record: Answer): Buffer };
  name: { encodingLength(name: string): number };
};

/**
 * One record in wire form. A record owned by the question's name gets a pointer to the question
 * instead of the name (RFC 1035 §4.1.4 compression, as NSD and BIND do): with it a 2048-bit key's
 * answer fits a 512-byte UDP message in zones of ordinary length, so clients without EDNS get it
 * without retrying over TCP.
 */
function encodeRecord(record: Answer, owner: string): Buffer {
  const full = codecs.answer.encode(record);
  if (record.name !== owner) return full;
  const nameBytes = codecs.name.encodingLength(owner);
  const out = Buffer.allocUnsafe(2 + full.length - nameBytes);
  out.writeUInt16BE(0xc000 | HEADER_BYTES, 0);
  full.copy(out, 2, nameBytes);
  return out;
}

function encode(query: ParsedQuery, reply: Reply, truncated: boolean): Buffer {
  const flags =
    0x8000 | // QR: a response
    (query.opcode << 11) |
    (reply.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (query.rd ? dnsPacket.RECURSION_DESIRED : 0) |
    (reply.rcode & 0x0f);
  const additionals: Answer[] = [];
  // RFC 6891 §7: a query with OPT gets OPT back; the extended RCODE's upper bits live there.
  if (query.edns) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: EDNS_UDP_LIMIT,
      extendedRcode: reply.rcode >> 4,
      ednsVersion: 0,
      flags: 0,
      options: [],
    } as unknown as Answer);
  }
  const answers = truncated ? [] : reply.answers;
  const authorities = truncated ? [] : reply.authorities;
  const owner = query.labels.join('.');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(query.id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(authorities.length, 8);
  header.writeUInt16BE(additionals.length, 10);
  // The question goes back byte for byte as it came (dns-packet would re-encode its text form).
  return Buffer.concat([header, query.rawQuestion, ...[...answers, ...authorities, ...additionals].map((r) => encodeRecord(r, owner))]);
}

/**
 * Answers one DNS message for the key zone: `TXT TOKEN.<zone>` with the token's DKIM key, NXDOMAIN
 * for names that do not exist, NODATA for other types at existing names, SOA and NS at the apex,
 * REFUSED outside the zone. Over UDP an answer larger than the client's size (512 bytes, or its EDNS
 * size up to 1232) is sent truncated with TC set so that the client retries over TCP (RFC 7766 §5).
 * Returns null when the message must be dropped. Never throws for any input.
 */
export async function answerQuery(message: Buffer, transport: Transport, zone: KeyZone, lookup: KeyLookup): Promise<Buffer | null> {
  let parsed: ParseResult;
  try {
    parsed = parse(message);
  } catch {
    parsed = { kind: 'formerr' };
  }
  if (parsed.kind === 'drop') return null;
  if (parsed.kind === 'formerr') return bareReply(message, FORMERR);
  if (parsed.kind === 'notimp') return bareReply(message, NOTIMP);
  const query = parsed.query;
  try {
    if (query.qtype === TYPE_OPT) return encode(query, { rcode: FORMERR, authoritative: false, answers: [], authorities: [] }, false);
    // RFC 6891 §6.1.3: we speak EDNS version 0 only.
    if (query.edns && query.edns.version > 0) {
      return encode(query, { rcode: BADVERS, authoritative: false, answers: [], authorities: [] }, false);
    }
    const reply = await resolve(query, zone, lookup);
    const full = encode(query, reply, false);
    if (transport === 'tcp') return full;
    const limit = query.edns ? Math.min(Math.max(query.edns.udpPayloadSize, CLASSIC_UDP_LIMIT), EDNS_UDP_LIMIT) : CLASSIC_UDP_LIMIT;
    return full.length <= limit ? full : encode(query, reply, true);
  } catch {
    // The store failed, or a record could not be encoded: the client may try again or elsewhere.
    return encode(query, { rcode: SERVFAIL, authoritative: false, answers: [], authorities: [] }, false);
  }
}

/** RFC 1035 §3.3.14: TXT RDATA is one or more character-strings, each a length byte and at most 255 bytes. */
export function txtRdata(strings: readonly string[]): TxtRdata {
  const parts = strings.map((text) => Buffer.from(text, 'latin1'));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 1 + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    if (part.length > 255) throw new RangeError('a TXT character-string is at most 255 bytes');
    out[offset] = part.length;
    part.copy(out, offset + 1);
    offset += 1 + part.length;
  }
  // Decoded in one piece: a flat string of its own, not a concatenation of parts.
  return out.toString('latin1');
}

/**
 * The key whose record a TXT RDATA of txtRdata's publishes (its inverse): for the full path, which
 * answers from a PublishedKey, where only the RDATA is kept.
 */
export function keyOfRdata(token: string, rdata: TxtRdata): PublishedKey {
  // RFC 1035 §3.3.14: character-strings, each behind its length byte; the record is their concatenation.
  let text = '';
  for (let at = 0; at < rdata.length; ) {
    const length = rdata.charCodeAt(at);
    text += rdata.slice(at + 1, at + 1 + length);
    at += 1 + length;
  }
  const publicKey = publicKeyOfDkimTxtRecordText(text);
  // Only txtRdata(dkimTxtRecordStrings(...)) makes the RDATA kept, so this cannot happen.
  if (publicKey === null) throw new Error(`not a DKIM key record for ${token}`);
  return { token, publicKey };
}

/** The zone's name in wire form, lower case, root label included (RFC 1035 §3.1). */
function wireName(name: string): Buffer {
  const labels = name.split('.').map((l) => Buffer.from(l, 'latin1'));
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
}

/**
 * The fast path for the one query that matters for speed, `TXT TOKEN.<zone>` (or ANY) for a key held
 * in memory: checked and answered with a few byte comparisons, the question copied back as received
 * (its case too, RFC 4343 §4.1), the answer's owner a pointer to it, exactly as `answerQuery` writes
 * them: both paths give byte-identical answers (and truncate at the same sizes).
 * Returns null for anything else, or anything slightly unusual (EDNS options, a non-zero EDNS
 * version, trailing bytes, an answer that does not fit the UDP size): `answerQuery` handles those,
 * with the same result it would have given here.
 */
export function fastAnswerer(zone: KeyZone, cached: CachedTxtLookup): (message: Buffer, transport: Transport) => Buffer | null {
  const zoneWire = wireName(zone.name);
  const ttl = zone.ttl >>> 0;
  return (message, transport) => {
    const question = simpleQuestion(message, zoneWire);
    if (question === null) return null;
    const rdata = cached(question.token);
    if (rdata === undefined) return null;
    return simpleAnswer(message, question, rdata, ttl, transport);
  };
}

/**
 * fastAnswerer's counterpart for a key not in memory (read from the store: on PostgreSQL every miss):
 * the same question answered with the same bytes once `read` has the key's TXT RDATA, instead of
 * dns-packet's decoding and encoding of the full path, which cost the DNS process more than the
 * answer from memory does. Null for anything but that question with a well-formed token (the caller
 * then answers through `answerQuery`, which answers NXDOMAIN to any other label without a read: a
 * flood of random names must not become store reads, and a label PostgreSQL cannot hold as text, a
 * NUL byte, would fail the whole batch of misses it joined); a key that does not exist, a store that
 * fails and an answer too big for UDP are answered by `answerQuery`, as they would have been.
 */
export function fastMissAnswerer(
  zone: KeyZone,
  read: (token: string) => Promise<TxtRdata | null>,
): (message: Buffer, transport: Transport) => Promise<Buffer | null> | null {
  const zoneWire = wireName(zone.name);
  const ttl = zone.ttl >>> 0;
  return (message, transport) => {
    const question = simpleQuestion(message, zoneWire);
    if (question === null || !isDkimToken(question.token)) return null;
    return read(question.token).then(
      (rdata) => {
        // Known absent: NXDOMAIN from the full path, without a second read.
        if (rdata === null) return answerQuery(message, transport, zone, () => null);
        // Too big for UDP: truncated by the full path, from the key just read (not read again).
        return simpleAnswer(message, question, rdata, ttl, transport) ?? answerQuery(message, transport, zone, (t) => keyOfRdata(t, rdata));
      },
      // SERVFAIL, as the full path answers a failing store.
      (err: unknown) => answerQuery(message, transport, zone, () => Promise.reject(err)),
    );
  };
}

/** The question fastAnswerer answers, where its parts are in the message. */
interface SimpleQuestion {
  /** The token, lower case. */
  readonly token: string;
  readonly questionEnd: number;
  /** 0, or 1 for the OPT record. */
  readonly additionals: number;
  readonly udpLimit: number;
}

/** `TXT TOKEN.<zone>` (or ANY, class IN or ANY), at most a bare OPT record; else null. */
function simpleQuestion(message: Buffer, zoneWire: Buffer): SimpleQuestion | null {
  const zoneLength = zoneWire.length;
  const length = message.length;
  if (length < HEADER_BYTES + 2 + zoneLength + 4) return null;
  // A query (QR=0), standard opcode: the other header bits are echoed (RD) or ignored.
  if ((message[2]! & 0xf8) !== 0) return null;
  // One question, no answers or authorities, at most the OPT record.
  if (message[4] !== 0 || message[5] !== 1 || message[6] !== 0 || message[7] !== 0 || message[8] !== 0 || message[9] !== 0) return null;
  const additionals = (message[10]! << 8) | message[11]!;
  if (additionals > 1) return null;
  const tokenLength = message[HEADER_BYTES]!;
  if (tokenLength === 0 || tokenLength > 63) return null;
  const zoneStart = HEADER_BYTES + 1 + tokenLength;
  const questionEnd = zoneStart + zoneLength + 4;
  if (questionEnd > length) return null;
  for (let i = 0; i < zoneLength; i++) {
    let c = message[zoneStart + i]!;
    // ASCII case folding only (RFC 4343 §3); label lengths (< 64) are never letters.
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== zoneWire[i]) return null;
  }
  const qtype = (message[questionEnd - 4]! << 8) | message[questionEnd - 3]!;
  const qclass = (message[questionEnd - 2]! << 8) | message[questionEnd - 1]!;
  if ((qtype !== TYPE_TXT && qtype !== TYPE_ANY) || (qclass !== CLASS_IN && qclass !== CLASS_ANY)) return null;
  let udpLimit = CLASSIC_UDP_LIMIT;
  if (additionals === 1) {
    // RFC 6891 §6.1.2: root owner, type OPT, CLASS = UDP size, TTL = extended RCODE, version, flags.
    const o = questionEnd;
    if (o + 11 !== length) return null; // options present, or trailing bytes
    if (message[o] !== 0 || message[o + 1] !== 0 || message[o + 2] !== TYPE_OPT) return null;
    if (message[o + 6] !== 0) return null; // EDNS version: only 0 here
    udpLimit = Math.min(Math.max((message[o + 3]! << 8) | message[o + 4]!, CLASSIC_UDP_LIMIT), EDNS_UDP_LIMIT);
  } else if (questionEnd !== length) {
    return null;
  }
  const token = message.toString('latin1', HEADER_BYTES + 1, zoneStart).toLowerCase();
  return { token, questionEnd, additionals, udpLimit };
}

/** The answer to a simpleQuestion with the key's TXT RDATA; null when it does not fit the UDP size. */
function simpleAnswer(message: Buffer, question: SimpleQuestion, rdata: TxtRdata, ttl: number, transport: Transport): Buffer | null {
  const { questionEnd, additionals } = question;
  const questionLength = questionEnd - HEADER_BYTES;
  const answerAt = HEADER_BYTES + questionLength;
  const fieldsAt = answerAt + 2;
  const optAt = fieldsAt + 10 + rdata.length;
  const total = optAt + (additionals === 1 ? 11 : 0);
  if (transport === 'udp' && total > question.udpLimit) return null;
  const out = Buffer.allocUnsafe(total);
  out[0] = message[0]!;
  out[1] = message[1]!;
  out[2] = 0x80 | 0x04 | (message[2]! & 0x01); // QR, AA, RD as asked
  out[3] = 0; // RA off, NOERROR
  out.writeUInt32BE(0x0001_0001, 4); // QDCOUNT 1, ANCOUNT 1
  out.writeUInt32BE(additionals, 8); // NSCOUNT 0, ARCOUNT 0 or 1
  message.copy(out, HEADER_BYTES, HEADER_BYTES, questionEnd);
  out.writeUInt16BE(0xc000 | HEADER_BYTES, answerAt); // the owner: a pointer to the question's name
  out.writeUInt16BE(TYPE_TXT, fieldsAt);
  out.writeUInt16BE(CLASS_IN, fieldsAt + 2);
  out.writeUInt32BE(ttl, fieldsAt + 4);
  out.writeUInt16BE(rdata.length, fieldsAt + 8);
  out.write(rdata, fieldsAt + 10, 'latin1'); // a byte a character
  if (additionals === 1) {
    // Our OPT: root owner, our UDP size, extended RCODE 0, version 0, no flags, no options.
    out[optAt] = 0;
    out.writeUInt16BE(TYPE_OPT, optAt + 1);
    out.writeUInt16BE(EDNS_UDP_LIMIT, optAt + 3);
    out.writeUInt32BE(0, optAt + 5);
    out.writeUInt16BE(0, optAt + 9);
  }
  return out;
}
