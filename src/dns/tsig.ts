import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * TSIG (RFC 8945) with HMAC-SHA256, by hand: dns-packet 5 has no TSIG codec (type 250 is decoded as
 * opaque bytes and cannot be encoded), and the MAC covers the message as it is on the wire plus the
 * TSIG "variables", which only byte-level code can produce exactly.
 */

export const TSIG_ALGORITHM = 'hmac-sha256';
const TYPE_TSIG = 250;
const CLASS_ANY = 255;
const HEADER_BYTES = 12;
/** RFC 8945 §10: 300 seconds is the recommended fudge. */
export const TSIG_FUDGE = 300;

/** RFC 8945 §4.3: TSIG error codes (extended RCODEs, in the TSIG record's Error field). */
export const TSIG_BADSIG = 16;
export const TSIG_BADKEY = 17;
export const TSIG_BADTIME = 18;
/** The RCODE of a message refused for a TSIG failure (RFC 8945 §5.2). */
export const RCODE_NOTAUTH = 9;

export interface TsigKey {
  /** Canonical: lower case, no trailing dot. */
  readonly name: string;
  readonly secret: Buffer;
}

/** `NAME:BASE64SECRET` (or dig's `hmac-sha256:NAME:BASE64SECRET`) to a key. */
export function parseTsigKey(spec: string): TsigKey {
  const parts = spec.trim().split(':');
  if (parts.length === 3 && parts[0]!.toLowerCase() === TSIG_ALGORITHM) parts.shift();
  // The spec is never echoed: it holds the secret.
  if (parts.length !== 2) throw new RangeError('a TSIG key is NAME:BASE64SECRET (HMAC-SHA256)');
  const name = parts[0]!.toLowerCase().replace(/\.$/, '');
  const secret = Buffer.from(parts[1]!, 'base64');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.length > 253) throw new RangeError(`invalid TSIG key name ${JSON.stringify(parts[0])}`);
  // RFC 8945 §6: the key should be as long as the hash's output (32 bytes); shorter ones are weak.
  if (secret.length < 16 || secret.toString('base64').replace(/=+$/, '') !== parts[1]!.replace(/=+$/, '')) {
    throw new RangeError(`the TSIG secret of ${name} must be base64 of at least 16 bytes`);
  }
  return { name, secret };
}

/** A name in uncompressed, lower-case wire form (RFC 8945 §4.3.3: canonical, RFC 4034 §6.2). */
function wireName(name: string): Buffer {
  const labels = name === '' ? [] : name.toLowerCase().split('.');
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'latin1')]), Buffer.from([0])]);
}

const ALGORITHM_WIRE = wireName(TSIG_ALGORITHM);

/** Skips a possibly compressed name at `offset`, returns the offset after it. */
function skipName(buf: Buffer, offset: number): number {
  for (;;) {
    if (offset >= buf.length) throw new RangeError('truncated name');
    const length = buf[offset]!;
    if (length === 0) return offset + 1;
    if ((length & 0xc0) === 0xc0) return offset + 2;
    if (length > 63) throw new RangeError('bad label');
    offset += 1 + length;
  }
}

/** Reads an uncompressed name (TSIG's owner and algorithm are never compressed, RFC 8945 §4.2). */
function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  for (;;) {
    if (offset >= buf.length) throw new RangeError('truncated name');
    const length = buf[offset]!;
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: offset + 1 };
    if (length > 63) throw new RangeError('compressed or bad TSIG name');
    labels.push(buf.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
}

export interface TsigRecord {
  readonly keyName: string;
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly otherData: Buffer;
  /** Where the TSIG record starts: the message before it is what was signed. */
  readonly offset: number;
}

/**
 * The TSIG record of a message, which must be its last additional record (RFC 8945 §5.1), or null
 * when it has none. Throws on a malformed message or a TSIG record elsewhere.
 */
export function readTsig(message: Buffer): TsigRecord | null {
  if (message.length < HEADER_BYTES) throw new RangeError('short message');
  const counts = [4, 6, 8, 10].map((o) => message.readUInt16BE(o));
  const records = counts[1]! + counts[2]! + counts[3]!;
  let offset = HEADER_BYTES;
  for (let i = 0; i < counts[0]!; i++) offset = skipName(message, offset) + 4;
  for (let i = 0; i < records; i++) {
    const start = offset;
    offset = skipName(message, offset);
    if (offset + 10 > message.length) throw new RangeError('truncated record');
    const type = message.readUInt16BE(offset);
    const rdlength = message.readUInt16BE(offset + 8);
    const rdata = offset + 10;
    offset = rdata + rdlength;
    if (offset > message.length) throw new RangeError('truncated record');
    if (type !== TYPE_TSIG) continue;
    if (i !== records - 1 || counts[3] === 0) throw new RangeError('TSIG is not the last record');
    const owner = readName(message, start);
    const algorithm = readName(message, rdata);
    let p = algorithm.end;
    const timeSigned = message.readUInt16BE(p) * 2 ** 32 + message.readUInt32BE(p + 2);
    const fudge = message.readUInt16BE(p + 6);
    const macSize = message.readUInt16BE(p + 8);
    p += 10;
    const mac = message.subarray(p, p + macSize);
    p += macSize;
    const originalId = message.readUInt16BE(p);
    const error = message.readUInt16BE(p + 2);
    const otherLength = message.readUInt16BE(p + 4);
    const otherData = message.subarray(p + 6, p + 6 + otherLength);
    if (p + 6 + otherLength !== offset) throw new RangeError('bad TSIG RDATA');
    return { keyName: owner.name, algorithm: algorithm.name, timeSigned, fudge, mac, originalId, error, otherData, offset: start };
  }
  if (offset !== message.length) throw new RangeError('trailing bytes');
  return null;
}

function u48(seconds: number): Buffer {
  const out = Buffer.alloc(6);
  out.writeUInt16BE(Math.floor(seconds / 2 ** 32) & 0xffff, 0);
  out.writeUInt32BE(seconds >>> 0, 2);
  return out;
}

function u16(n: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(n, 0);
  return out;
}

/** RFC 8945 §4.3.3: the TSIG variables that follow the message in the digest. */
function variables(keyName: string, timeSigned: number, fudge: number, error: number, otherData: Buffer): Buffer {
  return Buffer.concat([
    wireName(keyName),
    u16(CLASS_ANY),
    Buffer.alloc(4),
    ALGORITHM_WIRE,
    u48(timeSigned),
    u16(fudge),
    u16(error),
    u16(otherData.length),
    otherData,
  ]);
}

/** The message as it was before its TSIG record was added: ARCOUNT one less, the original id. */
function unsigned(message: Buffer, tsig: TsigRecord): Buffer {
  const out = Buffer.from(message.subarray(0, tsig.offset));
  out.writeUInt16BE(tsig.originalId, 0);
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
  return out;
}

export interface SignOptions {
  /** Seconds since the epoch. */
  readonly now: number;
  /** The request's MAC, when signing its response (RFC 8945 §4.3.1). */
  readonly requestMac?: Buffer;
  /**
   * The previous message's MAC, for the second and later messages of a multi-message response (a
   * zone transfer): the digest then covers that MAC, the message and the timers only (§5.3.1).
   */
  readonly priorMac?: Buffer;
  readonly error?: number;
  readonly otherData?: Buffer;
}

/** Appends a TSIG record to a complete message; returns the signed message and its MAC. */
export function signMessage(message: Buffer, key: TsigKey, options: SignOptions): { message: Buffer; mac: Buffer } {
  const error = options.error ?? 0;
  const otherData = options.otherData ?? Buffer.alloc(0);
  const hmac = createHmac('sha256', key.secret);
  const prior = options.priorMac ?? options.requestMac;
  if (prior) hmac.update(Buffer.concat([u16(prior.length), prior]));
  hmac.update(message);
  if (options.priorMac) hmac.update(Buffer.concat([u48(options.now), u16(TSIG_FUDGE)]));
  else hmac.update(variables(key.name, options.now, TSIG_FUDGE, error, otherData));
  const mac = hmac.digest();
  return { message: appendTsig(message, key.name, options.now, mac, error, otherData), mac };
}

/** An unsigned TSIG record carrying an error (BADKEY, BADSIG: RFC 8945 §5.3.2, no MAC). */
export function appendTsigError(message: Buffer, keyName: string, now: number, error: number): Buffer {
  return appendTsig(message, keyName, now, Buffer.alloc(0), error, Buffer.alloc(0));
}

function appendTsig(message: Buffer, keyName: string, now: number, mac: Buffer, error: number, otherData: Buffer): Buffer {
  const rdata = Buffer.concat([
    ALGORITHM_WIRE,
    u48(now),
    u16(TSIG_FUDGE),
    u16(mac.length),
    mac,
    u16(message.readUInt16BE(0)),
    u16(error),
    u16(otherData.length),
    otherData,
  ]);
  const record = Buffer.concat([wireName(keyName), u16(TYPE_TSIG), u16(CLASS_ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
  const out = Buffer.concat([message, record]);
  out.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return out;
}

export type TsigVerdict =
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'ok'; readonly key: TsigKey; readonly mac: Buffer }
  /** Refused: answer NOTAUTH with this TSIG error; `key` is set when the answer must be signed (BADTIME). */
  | { readonly kind: 'refused'; readonly error: number; readonly keyName: string; readonly key?: TsigKey; readonly mac?: Buffer; readonly timeSigned: number };

/** Checks a request's TSIG (RFC 8945 §5.2): known key and algorithm, MAC, then time within the fudge. */
export function verifyRequest(message: Buffer, keys: readonly TsigKey[], now: number): TsigVerdict {
  const tsig = readTsig(message);
  if (tsig === null) return { kind: 'unsigned' };
  const key = keys.find((k) => k.name === tsig.keyName);
  if (!key || tsig.algorithm !== TSIG_ALGORITHM) return { kind: 'refused', error: TSIG_BADKEY, keyName: tsig.keyName, timeSigned: tsig.timeSigned };
  const expected = createHmac('sha256', key.secret)
    .update(unsigned(message, tsig))
    .update(variables(tsig.keyName, tsig.timeSigned, tsig.fudge, tsig.error, tsig.otherData))
    .digest();
  // §5.2.2: a truncated MAC must keep at least half the hash (and 10 bytes); we accept only whole ones.
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) {
    return { kind: 'refused', error: TSIG_BADSIG, keyName: tsig.keyName, timeSigned: tsig.timeSigned };
  }
  if (Math.abs(now - tsig.timeSigned) > tsig.fudge) {
    return { kind: 'refused', error: TSIG_BADTIME, keyName: tsig.keyName, key, mac: tsig.mac, timeSigned: tsig.timeSigned };
  }
  return { kind: 'ok', key, mac: tsig.mac };
}

/** Checks a response to a request we signed with `requestMac` (e.g. a NOTIFY's answer). */
export function verifyResponse(message: Buffer, key: TsigKey, requestMac: Buffer, now: number): boolean {
  const tsig = readTsig(message);
  if (tsig === null || tsig.keyName !== key.name || tsig.algorithm !== TSIG_ALGORITHM || tsig.error !== 0) return false;
  const expected = createHmac('sha256', key.secret)
    .update(Buffer.concat([u16(requestMac.length), requestMac]))
    .update(unsigned(message, tsig))
    .update(variables(tsig.keyName, tsig.timeSigned, tsig.fudge, tsig.error, tsig.otherData))
    .digest();
  return tsig.mac.length === expected.length && timingSafeEqual(tsig.mac, expected) && Math.abs(now - tsig.timeSigned) <= tsig.fudge;
}
