import dnsPacket, { type Answer } from 'dns-packet';
import { dkimTxtRecordStrings, isDkimToken } from '../core/index.ts';
import type { PublishedKey } from '../app/detection-ports.ts';
import type { KeyZone } from './key-zone.ts';

/** Finds the key published under a token (lower case). May answer synchronously, for speed. */
export type KeyLookup = (token: string) => PublishedKey | null | Promise<PublishedKey | null>;

export type Transport = 'udp' | 'tcp';

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

function encode(query: ParsedQuery, reply: Reply, truncated: boolean): Buffer {
  const flags =
    (query.opcode << 11) |
    (reply.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (query.rd ? dnsPacket.RECURSION_DESIRED : 0) |
    (reply.rcode & 0x0f);
  const additionals: Answer[] = [];
  // RFC 6891 §7: a query with OPT gets OPT back; the extended RCODE's upper bits live there.
  if (query.edns) {
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_LIMIT, extendedRcode: reply.rcode >> 4, ednsVersion: 0, flags: 0, options: [] } as unknown as Answer);
  }
  const body = dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags,
    questions: [],
    answers: truncated ? [] : reply.answers,
    authorities: truncated ? [] : reply.authorities,
    additionals,
  });
  // The question goes back byte for byte as it came (dns-packet would re-encode its text form).
  const out = Buffer.concat([body.subarray(0, HEADER_BYTES), query.rawQuestion, body.subarray(HEADER_BYTES)]);
  out.writeUInt16BE(1, 4);
  return out;
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
