import { BlockList, isIPv4, isIPv6 } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import { dkimTxtRecordStrings } from '../core/index.ts';
import type { DnsKeyStore, PublishedKey } from '../app/detection-ports.ts';
import type { KeyZone } from './key-zone.ts';
import { RCODE_NOTAUTH, signMessage, appendTsigError, TSIG_BADTIME, verifyRequest, type TsigKey } from './tsig.ts';

const HEADER_BYTES = 12;
const TYPE_IXFR = 251;
const TYPE_AXFR = 252;
const REFUSED = 5;
const FORMERR = 1;
const SERVFAIL = 2;
/**
 * Bytes of records per message. RFC 5936 §2.2 allows up to 65535; BIND fills messages to about 16 KiB
 * too: small enough to sign and send in pieces, large enough that a zone of 10,000 keys is ~300 messages.
 */
const MESSAGE_BUDGET = 16_000;
/** Changes an IXFR is built from at most; a secondary further behind gets the whole zone (AXFR). */
const IXFR_MAX_CHANGES = 10_000;

/** The settings of Signet as a hidden primary: who may transfer the zone, with which keys. */
export interface TransferSettings {
  /** TSIG keys a transfer must be signed with (RFC 8945): none, and no transfer is ever allowed. */
  readonly keys: readonly TsigKey[];
  /** Client addresses (CIDR or single addresses) allowed to transfer; empty: none. */
  readonly allow: readonly string[];
}

export type TransferEvent =
  | { readonly kind: 'axfr' | 'ixfr' | 'ixfr-as-axfr' | 'up-to-date'; readonly client: string; readonly serial: number; readonly records: number }
  | { readonly kind: 'refused'; readonly client: string; readonly reason: string };

export interface ZoneTransferOptions {
  readonly zone: KeyZone;
  readonly store: Pick<DnsKeyStore, 'keyZoneSeq' | 'keyZoneJournal' | 'keyZoneSnapshot'>;
  readonly settings: TransferSettings;
  /** Seconds since the epoch, for TSIG. */
  readonly now?: () => number;
  readonly onEvent?: (event: TransferEvent) => void;
}

/** dns-packet's record codec, which its type declarations leave out. */
const codecs = dnsPacket as unknown as { answer: { encode(record: Answer): Buffer } };

/** The SOA serial of a change sequence: RFC 1982 arithmetic in 32 bits, the same on every node. */
export function serialOf(seq: number): number {
  return seq % 2 ** 32;
}

/** The zone's SOA with a given serial, with the fields `answerQuery` answers (RFC 1035 §3.3.13). */
export function soaAt(zone: KeyZone, serial: number): Answer {
  return {
    type: 'SOA',
    name: zone.name,
    ttl: zone.ttl,
    data: { mname: zone.nameservers[0]!, rname: zone.hostmaster, serial, refresh: 3600, retry: 600, expire: 1_209_600, minimum: zone.negativeTtl },
  };
}

/** A list of CIDR blocks (`10.0.0.0/8`, `::1`, `192.0.2.7`), checked with node:net's BlockList. */
export function addressAllowList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.trim().split('/') as [string, string | undefined];
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    if (type === null) throw new RangeError(`not an address or CIDR block: ${JSON.stringify(entry)}`);
    const max = type === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new RangeError(`bad prefix length in ${JSON.stringify(entry)}`);
    }
    list.addSubnet(address, prefix, type);
  }
  return (address) => {
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
  };
}

/** The question's type and end, when the message is a standard query for a transfer (else null). */
function transferType(message: Buffer): { qtype: number; questionEnd: number } | null {
  if (message.length < HEADER_BYTES + 5) return null;
  if ((message[2]! & 0xf8) !== 0) return null; // a response, or another opcode
  if (message.readUInt16BE(4) !== 1) return null;
  let offset = HEADER_BYTES;
  while (offset < message.length && message[offset] !== 0) {
    if (message[offset]! > 63) return null;
    offset += 1 + message[offset]!;
  }
  if (offset + 5 > message.length) return null;
  const qtype = message.readUInt16BE(offset + 1);
  return qtype === TYPE_AXFR || qtype === TYPE_IXFR ? { qtype, questionEnd: offset + 5 } : null;
}

/**
 * Zone transfers of the key zone over TCP, to secondaries (NSD, BIND, Knot) of Signet as a hidden
 * primary: AXFR (RFC 5936) and IXFR (RFC 1995) built from the store's change journal, TSIG-signed
 * (RFC 8945) and allowed only to listed addresses holding a listed key; everything else REFUSED.
 */
export class ZoneTransfers {
  readonly #zone: KeyZone;
  readonly #store: ZoneTransferOptions['store'];
  readonly #keys: readonly TsigKey[];
  readonly #allowed: (address: string) => boolean;
  readonly #now: () => number;
  readonly #onEvent: (event: TransferEvent) => void;

  constructor(options: ZoneTransferOptions) {
    this.#zone = options.zone;
    this.#store = options.store;
    this.#keys = options.settings.keys;
    this.#allowed = addressAllowList(options.settings.allow);
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#onEvent = options.onEvent ?? (() => {});
  }

  /** Whether a message asks for a transfer (AXFR or IXFR); only those go to `answer`. */
  static isTransfer(message: Buffer): boolean {
    return transferType(message) !== null;
  }

  /** The response messages to a transfer request, in order (each to be framed on the TCP stream). */
  async answer(message: Buffer, client: string): Promise<Buffer[]> {
    const type = transferType(message);
    let query: dnsPacket.Packet;
    try {
      if (type === null) throw new RangeError('not a transfer');
      query = dnsPacket.decode(message);
    } catch {
      return [this.#bare(message, FORMERR)];
    }
    const qtype = type.qtype;
    // Echoed as received, case included (RFC 4343 §4.1).
    const question = message.subarray(HEADER_BYTES, type.questionEnd);
    const header = { id: message.readUInt16BE(0), question };
    const refuse = (reason: string, rcode = REFUSED): Buffer[] => {
      this.#onEvent({ kind: 'refused', client, reason });
      return [this.#message(header, rcode, [], true)];
    };
    if (query.questions![0]!.name.toLowerCase().replace(/\.$/, '') !== this.#zone.name) return refuse('not this zone');
    let verdict;
    try {
      verdict = verifyRequest(message, this.#keys, this.#now());
    } catch {
      return [this.#bare(message, FORMERR)];
    }
    if (verdict.kind === 'unsigned') return refuse('no TSIG');
    if (verdict.kind === 'refused') {
      this.#onEvent({ kind: 'refused', client, reason: `TSIG error ${verdict.error}` });
      const reply = this.#message(header, RCODE_NOTAUTH, [], true);
      // RFC 8945 §5.2.3: BADTIME is signed (the client can then trust our clock); BADKEY and BADSIG are not.
      if (verdict.error === TSIG_BADTIME && verdict.key && verdict.mac) {
        const other = Buffer.alloc(6);
        other.writeUInt16BE(Math.floor(this.#now() / 2 ** 32), 0);
        other.writeUInt32BE(this.#now() >>> 0, 2);
        return [signMessage(reply, verdict.key, { now: verdict.timeSigned, requestMac: verdict.mac, error: TSIG_BADTIME, otherData: other }).message];
      }
      return [appendTsigError(reply, verdict.keyName, verdict.timeSigned, verdict.error)];
    }
    const sign = (messages: Buffer[]): Buffer[] => {
      let prior: Buffer | undefined;
      return messages.map((m, i) => {
        const signed = signMessage(m, verdict.key, i === 0 ? { now: this.#now(), requestMac: verdict.mac } : { now: this.#now(), priorMac: prior! });
        prior = signed.mac;
        return signed.message;
      });
    };
    if (!this.#allowed(client)) {
      this.#onEvent({ kind: 'refused', client, reason: 'address not allowed' });
      return sign([this.#message(header, REFUSED, [], true)]);
    }
    try {
      if (qtype === TYPE_IXFR) {
        const soa = (query.authorities ?? []).find((r) => r.type === 'SOA') as { data: { serial: number } } | undefined;
        if (!soa) return sign([this.#message(header, FORMERR, [], true)]); // RFC 1995 §3: the client's SOA is required
        const incremental = await this.#ixfr(header, soa.data.serial, client);
        if (incremental) return sign(incremental);
      }
      const snapshot = await this.#store.keyZoneSnapshot();
      const soaNow = this.#soa(serialOf(snapshot.seq));
      const records = [soaNow, ...this.#zone.nameservers.map((ns) => this.#ns(ns)), ...snapshot.keys.map((k) => this.#txt(k)), soaNow];
      this.#onEvent({ kind: qtype === TYPE_IXFR ? 'ixfr-as-axfr' : 'axfr', client, serial: serialOf(snapshot.seq), records: records.length });
      return sign(this.#messages(header, records));
    } catch {
      return sign([this.#message(header, SERVFAIL, [], true)]);
    }
  }

  /** RFC 1995 §4: the differences since `clientSerial`, condensed; null when the history is gone. */
  async #ixfr(header: Header, clientSerial: number, client: string): Promise<Buffer[] | null> {
    const seq = await this.#store.keyZoneSeq();
    const behind = (serialOf(seq) - clientSerial + 2 ** 32) % 2 ** 32;
    if (behind === 0 || behind >= 2 ** 31) {
      // Up to date (or ahead: another primary's history): the current SOA alone (RFC 1995 §2).
      this.#onEvent({ kind: 'up-to-date', client, serial: serialOf(seq), records: 1 });
      return [this.#message(header, 0, [this.#soa(serialOf(seq))], true)];
    }
    const from = seq - behind;
    if (from < 0) return null;
    const journal = await this.#store.keyZoneJournal(from, IXFR_MAX_CHANGES);
    if (journal === null) return null;
    const to = journal.length > 0 ? journal[journal.length - 1]!.seq : seq;
    // The zone's state per token before and after, from its first and last change.
    const before = new Map<string, string | null>();
    const after = new Map<string, string | null>();
    for (const change of journal) {
      if (!before.has(change.token)) before.set(change.token, change.op === 'delete' ? change.publicKey : null);
      after.set(change.token, change.op === 'add' ? change.publicKey : null);
    }
    const deleted: Answer[] = [];
    const added: Answer[] = [];
    for (const [token, old] of before) {
      const now = after.get(token) ?? null;
      if (old === now) continue;
      if (old !== null) deleted.push(this.#txt({ token, publicKey: old }));
      if (now !== null) added.push(this.#txt({ token, publicKey: now }));
    }
    const soaTo = this.#soa(serialOf(to));
    const records = [soaTo, this.#soa(serialOf(from)), ...deleted, soaTo, ...added, soaTo];
    this.#onEvent({ kind: 'ixfr', client, serial: serialOf(to), records: records.length });
    return this.#messages(header, records);
  }

  #soa(serial: number): Answer {
    return soaAt(this.#zone, serial);
  }

  #ns(ns: string): Answer {
    return { type: 'NS', name: this.#zone.name, ttl: this.#zone.ttl, data: ns };
  }

  #txt(key: PublishedKey): Answer {
    return { type: 'TXT', name: `${key.token}.${this.#zone.name}`, ttl: this.#zone.ttl, data: dkimTxtRecordStrings(key.publicKey) };
  }

  /** The records split over as many messages as needed (RFC 5936 §2.2), the question in the first. */
  #messages(header: Header, records: readonly Answer[]): Buffer[] {
    const out: Buffer[] = [];
    let batch: Buffer[] = [];
    let bytes = 0;
    for (const record of records) {
      const encoded = codecs.answer.encode(record);
      if (batch.length > 0 && bytes + encoded.length > MESSAGE_BUDGET) {
        out.push(this.#raw(header, 0, batch, out.length === 0));
        batch = [];
        bytes = 0;
      }
      batch.push(encoded);
      bytes += encoded.length;
    }
    out.push(this.#raw(header, 0, batch, out.length === 0));
    return out;
  }

  #message(header: Header, rcode: number, records: readonly Answer[], withQuestion: boolean): Buffer {
    return this.#raw(
      header,
      rcode,
      records.map((r) => codecs.answer.encode(r)),
      withQuestion,
    );
  }

  #raw(header: Header, rcode: number, records: readonly Buffer[], withQuestion: boolean): Buffer {
    const head = Buffer.alloc(HEADER_BYTES);
    head.writeUInt16BE(header.id, 0);
    head.writeUInt16BE(0x8000 | dnsPacket.AUTHORITATIVE_ANSWER | (rcode & 0x0f), 2);
    head.writeUInt16BE(withQuestion ? 1 : 0, 4);
    head.writeUInt16BE(records.length, 6);
    return Buffer.concat([head, ...(withQuestion ? [header.question] : []), ...records]);
  }

  #bare(message: Buffer, rcode: number): Buffer {
    const out = Buffer.alloc(HEADER_BYTES);
    message.copy(out, 0, 0, 2);
    out[2] = 0x80;
    out[3] = rcode;
    return out;
  }
}

interface Header {
  readonly id: number;
  readonly question: Buffer;
}
