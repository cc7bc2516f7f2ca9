import { createHash, sign as rsaSign, type KeyObject } from 'node:crypto';
import { headerEnd, parseHeaderFields, type HeaderField } from '../mail/header-fields.ts';

/**
 * The header fields SES's Easy DKIM signature covers, in the order it lists them in `h=`, when they are
 * present (issue 6; Reply-To only when the message has one). Names are compared case-insensitively.
 */
export const SES_SIGNED_HEADERS: readonly string[] = [
  'From',
  'To',
  'Cc',
  'Subject',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Date',
  'Message-ID',
  'Reply-To',
];

/** The key a signature is made with. `domain` is the `d=` tag; it must be the key's own domain. */
export interface DkimSigningKey {
  readonly domain: string;
  /** The `s=` tag: for Easy DKIM, the token whose CNAME points at this key. */
  readonly selector: string;
  /** An RSA private key, parsed once and cached by the caller (parsing a PEM costs more than signing). */
  readonly privateKey: KeyObject;
}

export interface DkimSignOptions {
  /** Signature time, seconds since the epoch (`t=`, RFC 6376 §3.5). */
  readonly timestamp: number;
  readonly headerNames?: readonly string[];
}

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * "relaxed" header canonicalization (RFC 6376 §3.4.2): lower-case name, unfold, every run of WSP
 * becomes one SP, WSP at the end of the value and around the colon goes.
 */
export function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trimEnd().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/**
 * The length of the body that "simple" body canonicalization hashes before its final CRLF
 * (RFC 6376 §3.4.3): every empty line at the end is dropped, so trailing CRLFs are cut; then exactly
 * one CRLF is hashed after it (an empty body hashes as a lone CRLF).
 */
function simpleBodyLength(body: Buffer): number {
  let end = body.length;
  while (end >= 2 && body[end - 2] === CR && body[end - 1] === LF) end -= 2;
  return end;
}

/** Base64 SHA-256 of the body in "simple" canonical form, in one pass and without copying it. */
export function simpleBodyHash(body: Buffer): string {
  const end = simpleBodyLength(body);
  const hash = createHash('sha256');
  if (end > 0) hash.update(body.subarray(0, end));
  hash.update(CRLF);
  return hash.digest('base64');
}

/**
 * Signs a message as SES's Easy DKIM does (RFC 6376): `a=rsa-sha256; c=relaxed/simple`, SES's header
 * set, `s=` the selector and `d=` the key's domain, and returns the `DKIM-Signature` field (with its
 * CRLF) to put on top of the message. The message must already use CRLF line ends.
 *
 * Written in-house rather than calling mailauth's `dkimSign` because that parses the PEM key and
 * re-reads the message on every call; here the key is a parsed `KeyObject` and the body is hashed
 * in one pass over the buffer, which keeps the cost close to the RSA signature itself.
 */
export function dkimSignatureHeader(message: Buffer, key: DkimSigningKey, options: DkimSignOptions): string {
  const end = headerEnd(message);
  const headBlock = end < 0 ? message.toString('latin1').replace(/\r\n$/, '') : message.toString('latin1', 0, end);
  const body = end < 0 ? Buffer.alloc(0) : message.subarray(end + 4);
  const fields = parseHeaderFields(headBlock);
  const byName = new Map<string, HeaderField[]>();
  for (const f of fields) {
    const list = byName.get(f.key);
    if (list) list.push(f);
    else byName.set(f.key, [f]);
  }
  // RFC 6376 §5.4.2: a name listed n times signs its last n instances, from the bottom up.
  const names: string[] = [];
  const canonical: string[] = [];
  for (const name of options.headerNames ?? SES_SIGNED_HEADERS) {
    const instances = byName.get(name.toLowerCase());
    if (!instances) continue;
    for (let i = instances.length - 1; i >= 0; i--) {
      names.push(name);
      canonical.push(relaxedHeader(instances[i]!.raw));
    }
  }
  const bodyHash = simpleBodyHash(body);
  const unsigned =
    `DKIM-Signature: v=1; a=rsa-sha256; q=dns/txt; c=relaxed/simple;\r\n` +
    `\ts=${key.selector}; d=${key.domain}; t=${options.timestamp};\r\n` +
    `\th=${names.join(':')};\r\n` +
    `\tbh=${bodyHash};\r\n` +
    `\tb=`;
  // §3.7: the selected fields, each with CRLF, then this field with an empty b= and no CRLF.
  const data = `${canonical.map((c) => `${c}\r\n`).join('')}${relaxedHeader(unsigned)}`;
  const signature = rsaSign('sha256', Buffer.from(data, 'latin1'), key.privateKey).toString('base64');
  return `${unsigned}${signature}\r\n`;
}

/** The message with the signature field on top. */
export function signMessage(message: Buffer, key: DkimSigningKey, options: DkimSignOptions): Buffer {
  return Buffer.concat([Buffer.from(dkimSignatureHeader(message, key, options), 'latin1'), message]);
}
