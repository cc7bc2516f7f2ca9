import { ipv4Number, ipv6Hextets } from './address-prefix.ts';

/**
 * DNS response-rate limiting (RRL) over UDP, as NSD (`rrl-ratelimit`, `rrl-slip`) and BIND
 * (`rate-limit { responses-per-second; slip; }`) do it. A UDP source address can be forged, so an
 * attacker can aim our answers (a 2048-bit DKIM key's answer is ~7x its query) at a victim. Each
 * source prefix gets a token bucket per kind of answer; an answer over the rate is dropped, except
 * every `slip`-th one, which goes out as an empty answer with TC=1: a real client behind a limited
 * prefix then retries over TCP (which a forged source cannot do), and the victim of a forged flood
 * gets small packets only. TCP is never limited: its handshake proves the source, so NSD and BIND
 * limit UDP only.
 *
 * Kinds of answer, as BIND counts them:
 * - NOERROR: per question name (case folded, RFC 4343) and type: a resolver asking for many keys is
 *   not limited for asking, only for asking the same one too often;
 * - NXDOMAIN: one bucket for the whole zone (the server has one), so random names do not each get
 *   a fresh bucket (BIND's `nxdomains-per-second`, keyed by the zone);
 * - any other RCODE (REFUSED, FORMERR, SERVFAIL, NOTIMP, BADVERS): one bucket per source (`errors`).
 */
export interface RrlSettings {
  /** Answers per second per bucket; 0 turns RRL off. */
  readonly ratePerSecond: number;
  /** Every `slip`-th dropped answer goes out truncated (TC=1); 0 never, 1 always. */
  readonly slip: number;
  readonly ipv4PrefixBits?: number;
  readonly ipv6PrefixBits?: number;
  /** Buckets in the table (rounded up to a power of two). */
  readonly tableSize?: number;
}

/** NSD's and BIND's IPv4 prefix: one customer site or ISP pool, and a forger cannot spread one victim's load over many buckets. */
export const RRL_IPV4_PREFIX_BITS = 24;
/** An IPv6 site gets a /48 to /56 (RFC 6177); BIND's default is /56. */
export const RRL_IPV6_PREFIX_BITS = 56;
/**
 * Buckets in the table: 2^16 of 32 bytes, 2 MB per process (and a byte per set, 32 KB, telling which
 * of its two buckets answered last), allocated once; a flood of forged sources cannot grow it.
 * Smaller than NSD's 1,000,000 because it is read on every UDP answer, at random: in a CPU profile
 * under bench/dns-qps.ts's load, a table that fits the caches saved about 60 ns per answer (of about
 * 8 us). Two buckets share each 64-byte line (a 2-way set): a new (prefix, answer) takes the one used
 * least recently, so a busy bucket, as a flood's, is not reset by a quieter one.
 */
export const RRL_TABLE_SIZE = 1 << 16;

export type RrlVerdict = 'send' | 'drop' | 'slip';

const HEADER_BYTES = 12;
const NOERROR = 0;
const NXDOMAIN = 3;
const KIND_NXDOMAIN = 1;
const KIND_ERROR = 2;
const KIND_NAME = 3;

/**
 * Decides per UDP answer whether it is sent, dropped, or sent truncated (`slipReply`). Works on the
 * answer's bytes, so the fast path and `answerQuery` go through the same check.
 *
 * The buckets live in a fixed table indexed by a hash of (source prefix, kind of answer), as NSD's:
 * no allocation per packet (this runs on every UDP answer, bench/dns-rrl-cost.ts), and bounded memory
 * whatever the sources. A second, independent hash tells the bucket's owner: a new owner of a slot
 * starts with a full bucket (a collision resets, never merges, two clients). Both hashes are seeded
 * per process, so collisions cannot be aimed at a victim's slot.
 */
export class ResponseRateLimiter {
  readonly #rate: number;
  readonly #slip: number;
  readonly #ipv4Mask: number;
  readonly #ipv6Bits: number;
  readonly #now: () => number;
  readonly #mask: number;
  /** Per bucket, side by side: owner, tokens, last refill (ms), drops; two buckets (a set) per 64 bytes. */
  readonly #table: Float64Array;
  /**
   * Per set, which of its two buckets answered last (0 or 1): a newcomer takes the other. Not the
   * buckets' times: the server passes one clock reading for every answer of a few milliseconds
   * (answerOnUdpSocket), so both buckets of a set often hold the same time, and on that tie a
   * newcomer took the first bucket, however busy: two forged sources in a row that fell into a
   * limited source's set reset its bucket to full.
   */
  readonly #lastUsed: Uint8Array;
  readonly #seed1: number;
  readonly #seed2: number;
  // The two hashes of the last answer, set by #hash (no allocation per packet).
  #h1 = 0;
  #h2 = 0;
  // The source prefix of the last answer's address: a burst mostly comes from one source, whose
  // address need not be read again.
  #lastAddress = '';
  #lastFamily = 0;
  #lastA = 0;
  #lastB = 0;

  constructor(settings: RrlSettings, now: () => number = () => performance.now()) {
    if (!(settings.ratePerSecond > 0)) throw new RangeError('RRL needs a rate above 0 (0 means no limiter at all)');
    this.#rate = settings.ratePerSecond;
    this.#slip = settings.slip;
    const ipv4Bits = settings.ipv4PrefixBits ?? RRL_IPV4_PREFIX_BITS;
    this.#ipv4Mask = ipv4Bits <= 0 ? 0 : ipv4Bits >= 32 ? 0xffffffff : (0xffffffff << (32 - ipv4Bits)) >>> 0;
    this.#ipv6Bits = settings.ipv6PrefixBits ?? RRL_IPV6_PREFIX_BITS;
    this.#now = now;
    let size = 2;
    while (size < (settings.tableSize ?? RRL_TABLE_SIZE)) size *= 2;
    this.#mask = size / 2 - 1; // of the sets
    // Owner 0 marks a slot never used: owners are made odd below.
    this.#table = new Float64Array(size * 4);
    this.#lastUsed = new Uint8Array(size / 2);
    this.#seed1 = (Math.random() * 0x1_0000_0000) >>> 0;
    this.#seed2 = (Math.random() * 0x1_0000_0000) >>> 0;
  }

  /** Buckets in the table (fixed at construction). */
  get tableSize(): number {
    return (this.#mask + 1) * 2;
  }

  /**
   * `now` (milliseconds, the clock given to the constructor) may be passed by a caller that answers
   * many packets in one turn of the event loop and reads the clock once for them.
   */
  verdict(address: string, reply: Buffer, now: number = this.#now()): RrlVerdict {
    this.#hash(address, reply);
    const table = this.#table;
    const index = this.#h1 & this.#mask;
    const set = index * 8;
    const owner = (this.#h2 | 1) >>> 0;
    let at = set;
    if (table[set] !== owner) {
      // Neither is ours: the bucket that did not answer last is taken (a 2-way set's least recently
      // used; one never used is never the last).
      if (table[set + 4] === owner || this.#lastUsed[index] === 0) at = set + 4;
    }
    this.#lastUsed[index] = at === set ? 0 : 1;
    let tokens: number;
    if (table[at] !== owner) {
      // A new bucket starts full: one second's worth of answers, the burst NSD and BIND allow.
      table[at] = owner;
      table[at + 3] = 0;
      tokens = this.#rate;
    } else {
      tokens = Math.min(this.#rate, table[at + 1]! + (Math.max(0, now - table[at + 2]!) * this.#rate) / 1000);
    }
    table[at + 2] = now;
    if (tokens >= 1) {
      table[at + 1] = tokens - 1;
      return 'send';
    }
    table[at + 1] = tokens;
    const dropped = table[at + 3]! + 1;
    table[at + 3] = dropped;
    return this.#slip > 0 && dropped % this.#slip === 0 ? 'slip' : 'drop';
  }

  /**
   * Two independent 32-bit hashes of the source prefix and the kind of answer, into #h1 and #h2.
   * Runs on every UDP answer: no allocation, and the name is taken four bytes at a time.
   */
  #hash(address: string, reply: Buffer): void {
    let h1 = this.#seed1 ^ 0x811c9dc5;
    let h2 = this.#seed2;
    let family = 4;
    let a = 0;
    let b = 0;
    const v4 = address === this.#lastAddress ? null : ipv4Number(address);
    if (address === this.#lastAddress) {
      family = this.#lastFamily;
      a = this.#lastA;
      b = this.#lastB;
    } else if (v4 !== null) {
      a = v4 & this.#ipv4Mask;
    } else {
      const x = ipv6Hextets(address);
      if (x !== null && x[0] === 0 && x[1] === 0 && x[2] === 0 && x[3] === 0 && x[4] === 0 && x[5] === 0xffff) {
        a = ((x[6]! << 16) | x[7]!) & this.#ipv4Mask; // ::ffff:a.b.c.d, an IPv4 client on a dual-stack socket
      } else if (x !== null) {
        family = 6;
        const bits = this.#ipv6Bits;
        const masked = x.map((group, i) => group & (bits >= 16 * (i + 1) ? 0xffff : bits <= 16 * i ? 0 : (0xffff << (16 * (i + 1) - bits)) & 0xffff));
        a = (masked[0]! << 16) | masked[1]!;
        b = (masked[2]! << 16) | masked[3]!;
        // Prefixes longer than /64 are folded in too.
        b ^= Math.imul((masked[4]! << 16) | masked[5]!, 0x9e3779b1) ^ ((masked[6]! << 16) | masked[7]!);
      } else {
        family = 0;
        for (let i = 0; i < address.length; i++) a = Math.imul(a ^ address.charCodeAt(i), 0x01000193);
      }
      this.#lastAddress = address;
      this.#lastFamily = family;
      this.#lastA = a;
      this.#lastB = b;
    }
    const end = questionEnd(reply);
    const kind = answerKind(reply, end);
    for (let k = 0; k < 3; k++) {
      const w = k === 0 ? family | (kind << 8) : k === 1 ? a : b;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(((h2 ^ w) << 13) | ((h2 ^ w) >>> 19), 0x5bd1e995);
    }
    if (kind === KIND_NAME) {
      // The question's name, type and class, ASCII case folded (| 0x20: a letter's lower case; the
      // other bytes of a name may merge with others, which only ever shares a bucket, never splits
      // one): 0x20-randomized names share their bucket.
      let i = HEADER_BYTES;
      for (; i + 4 <= end; i += 4) {
        const w = reply[i]! | (reply[i + 1]! << 8) | (reply[i + 2]! << 16) | (reply[i + 3]! << 24) | 0x20202020;
        h1 = Math.imul(h1 ^ w, 0x01000193);
        h2 = Math.imul(((h2 ^ w) << 13) | ((h2 ^ w) >>> 19), 0x5bd1e995);
      }
      for (; i < end; i++) {
        const w = reply[i]! | 0x20;
        h1 = Math.imul(h1 ^ w, 0x01000193);
        h2 = Math.imul(((h2 ^ w) << 13) | ((h2 ^ w) >>> 19), 0x5bd1e995);
      }
    }
    // Final mixing (murmur3's): the slot is taken from the low bits.
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h1 = Math.imul(h1, 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 ^= h2 >>> 15;
    this.#h1 = h1 >>> 0;
    this.#h2 = h2 >>> 0;
  }
}

/** The bucket an answer counts against, besides its source (see the class comment); `end` is questionEnd's. */
function answerKind(reply: Buffer, end: number): number {
  if (reply.length < HEADER_BYTES) return KIND_ERROR;
  const rcode = reply[3]! & 0x0f;
  if (rcode === NXDOMAIN) return KIND_NXDOMAIN;
  if (rcode !== NOERROR || end < 0) return KIND_ERROR;
  return KIND_NAME;
}

/** The end of the question (after QTYPE and QCLASS) of a reply with one question, or -1. */
function questionEnd(reply: Buffer): number {
  if (reply.length < HEADER_BYTES || reply[4] !== 0 || reply[5] !== 1) return -1;
  let offset = HEADER_BYTES;
  for (;;) {
    if (offset >= reply.length) return -1;
    const length = reply[offset]!;
    if (length === 0) break;
    // Our replies echo the question as received, and a question with a pointer is never answered.
    if (length > 63) return -1;
    offset += 1 + length;
  }
  return offset + 5 <= reply.length ? offset + 5 : -1;
}

/**
 * A slip: the reply's header and question only, TC=1, no records (RFC 1035 §4.1.1, RFC 7766 §5: the
 * client retries over TCP). Smaller than the query with EDNS, so it amplifies nothing.
 */
export function slipReply(reply: Buffer): Buffer {
  const end = questionEnd(reply);
  const out = Buffer.alloc(end < 0 ? HEADER_BYTES : end);
  reply.copy(out, 0, 0, out.length);
  out[2] = out[2]! | 0x02; // TC
  if (end < 0) out.writeUInt16BE(0, 4); // no question to echo
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}
