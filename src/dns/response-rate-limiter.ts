import { addressPrefix } from './address-prefix.ts';

/**
 * DNS response-rate limiting (RRL) over UDP, as NSD (`rrl-ratelimit`, `rrl-slip`) and BIND
 * (`rate-limit { responses-per-second; slip; }`) do it. A UDP source address can be forged, so an
 * attacker can aim our answers (a 2048-bit DKIM key's answer is ~7x its query) at a victim. Each
 * source prefix gets a token bucket per kind of answer; an answer over the rate is dropped, except
 * every `slip`-th one, which goes out as an empty answer with TC=1: a real client behind a limited
 * prefix then retries over TCP (which a forged source cannot do), and the victim of a forged flood
 * gets small packets only. TCP is never limited (RFC 7766 §8 and both servers: no amplification).
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
  /** Buckets kept at most (memory bound under a flood of forged sources). */
  readonly maxBuckets?: number;
}

/** NSD's default `rrl-ratelimit` (200/s per source prefix and answer): invisible to any resolver's real traffic. */
export const DEFAULT_RRL_RATE = 200;
/** NSD's and BIND's default slip: half the dropped answers come back truncated, so real clients get through over TCP. */
export const DEFAULT_RRL_SLIP = 2;
/** NSD's and BIND's IPv4 prefix: one customer site or ISP pool, and a forger cannot spread one victim's load over many buckets. */
export const RRL_IPV4_PREFIX_BITS = 24;
/** An IPv6 site gets a /48 to /56 (RFC 6177); BIND's default is /56. */
export const RRL_IPV6_PREFIX_BITS = 56;
/** Buckets in memory at most: ~100 bytes each, so ~10 MB under a flood of forged sources (BIND's max-table-size is 20,000 by default). */
export const RRL_MAX_BUCKETS = 100_000;

export type RrlVerdict = 'send' | 'drop' | 'slip';

interface Bucket {
  tokens: number;
  last: number;
  dropped: number;
}

const HEADER_BYTES = 12;
const NOERROR = 0;
const NXDOMAIN = 3;

/**
 * Decides per UDP answer whether it is sent, dropped, or sent truncated (`slipReply`). Works on the
 * answer's bytes, so the fast path and `answerQuery` go through the same check.
 */
export class ResponseRateLimiter {
  readonly #rate: number;
  readonly #slip: number;
  readonly #ipv4Bits: number;
  readonly #ipv6Bits: number;
  readonly #maxBuckets: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(settings: RrlSettings, now: () => number = () => performance.now()) {
    if (!(settings.ratePerSecond > 0)) throw new RangeError('RRL needs a rate above 0 (0 means no limiter at all)');
    this.#rate = settings.ratePerSecond;
    this.#slip = settings.slip;
    this.#ipv4Bits = settings.ipv4PrefixBits ?? RRL_IPV4_PREFIX_BITS;
    this.#ipv6Bits = settings.ipv6PrefixBits ?? RRL_IPV6_PREFIX_BITS;
    this.#maxBuckets = settings.maxBuckets ?? RRL_MAX_BUCKETS;
    this.#now = now;
  }

  /** Buckets held now (for tests of the memory bound). */
  get size(): number {
    return this.#buckets.size;
  }

  verdict(address: string, reply: Buffer): RrlVerdict {
    const key = `${addressPrefix(address, this.#ipv4Bits, this.#ipv6Bits)} ${answerKind(reply)}`;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxBuckets) this.#evict(now);
      // A new bucket starts full: one second's worth of answers (the burst NSD and BIND allow).
      bucket = { tokens: this.#rate, last: now, dropped: 0 };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#rate, bucket.tokens + ((now - bucket.last) * this.#rate) / 1000);
      bucket.last = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'send';
    }
    bucket.dropped++;
    return this.#slip > 0 && bucket.dropped % this.#slip === 0 ? 'slip' : 'drop';
  }

  /**
   * Makes room: first the buckets that have refilled (they hold no state a new bucket would not),
   * then, if that freed less than a tenth, the oldest tenth by insertion. Each call frees at least a
   * tenth of the table, so the cost per new bucket stays constant under a flood of forged sources.
   */
  #evict(now: number): void {
    const target = this.#maxBuckets - Math.max(1, Math.floor(this.#maxBuckets / 10));
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.last >= 1000) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= target) break;
      this.#buckets.delete(key);
    }
  }
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

/** The bucket an answer counts against, besides its source (see the class comment). */
function answerKind(reply: Buffer): string {
  if (reply.length < HEADER_BYTES) return 'error';
  const rcode = reply[3]! & 0x0f;
  if (rcode === NXDOMAIN) return 'nxdomain';
  if (rcode !== NOERROR) return 'error';
  const end = questionEnd(reply);
  if (end < 0) return 'error';
  // Name and type as one text, ASCII case folded: 0x20-randomized names share their bucket.
  return reply.toString('latin1', HEADER_BYTES, end - 2).toLowerCase();
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
