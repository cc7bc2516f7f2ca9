import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import type { KeyZone } from './key-zone.ts';
import { signMessage, verifyResponse, type TsigKey } from './tsig.ts';
import { soaAt } from './zone-transfer.ts';

const OPCODE_NOTIFY = 4;
const TYPE_SOA = 6;
const CLASS_IN = 1;

export interface NotifyTarget {
  readonly host: string;
  readonly port: number;
}

export type NotifyEvent =
  | { readonly kind: 'sent' | 'acknowledged'; readonly target: string; readonly serial: number; readonly attempt: number }
  | { readonly kind: 'gave-up'; readonly target: string; readonly serial: number };

export interface ZoneNotifierOptions {
  readonly zone: KeyZone;
  readonly targets: readonly NotifyTarget[];
  /** Signs every NOTIFY (RFC 8945); a secondary that requires TSIG ignores unsigned ones. */
  readonly key?: TsigKey | undefined;
  /** The source address: secondaries accept NOTIFY only from their primary's address. */
  readonly bindHost: string;
  /** A change after a quiet spell waits this long for the ones that come with it (one use case writes several keys). */
  readonly coalesceMs?: number;
  /**
   * The least time between two NOTIFY rounds of the zone (BIND's notify-delay): changes within it wait
   * for its end and go out as one NOTIFY of the latest serial. NOTIFY_MIN_INTERVAL_MS when not given.
   */
  readonly minIntervalMs?: number;
  /** The first retry's delay; each further one doubles it (RFC 1996 §3.6). */
  readonly retryMs?: number;
  /** Retries after the first NOTIFY before giving up on a serial (RFC 1996 §3.6: "a few"). */
  readonly retries?: number;
  readonly now?: () => number;
  readonly onEvent?: (event: NotifyEvent) => void;
  readonly onError?: (err: unknown) => void;
}

/**
 * The least time between two NOTIFY rounds, the default of `minIntervalMs`. Each round costs every
 * secondary an SOA probe, a TCP connection, a TSIG-signed IXFR and a zone reload, and the reload is
 * the dear part: NSD forks a reload process per transfer, about 60 ms of CPU for a zone of 9,000 keys
 * (bench/zone-transfer.ts, NSD 4.6). At 40 deleted domains a second a round per poll of the change
 * feed made 10 transfers a second, and on a machine shared with the secondary that took Signet's
 * query rate well under 0.9 of idle; half a second bounds it at 2 a second per secondary however
 * large the burst, and adds at most that to how soon a change is served (the goal is p99 at most
 * 1 s). A change after a quiet spell is not held: it goes out after `coalesceMs`. RFC 1996 §4.3
 * allows the primary to delay NOTIFY; BIND keeps such a gap between rounds too (notify-delay,
 * 5 s by default).
 */
export const NOTIFY_MIN_INTERVAL_MS = 500;

const codecs = dnsPacket as unknown as { answer: { encode(record: Answer): Buffer } };

interface Pending {
  readonly id: number;
  readonly serial: number;
  readonly mac: Buffer | null;
  attempt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * NOTIFY (RFC 1996) to the zone's secondaries whenever its serial changes: one UDP message per
 * secondary with the zone's SOA (§3.7, the new serial as a hint), retried with doubling intervals
 * until the secondary answers (§3.6). Changes are coalesced: a change after a quiet spell goes out
 * `coalesceMs` later, and one within `minIntervalMs` of the last round waits for that interval's end;
 * either way each secondary gets the latest serial, which is always sent (the last change of a burst
 * gets its NOTIFY at the end of the interval), and a NOTIFY still unanswered for an older serial is
 * replaced, not repeated, since the secondary then fetches everything up to the latest by one IXFR.
 */
export class ZoneNotifier {
  readonly #options: ZoneNotifierOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #acked = new Map<string, number>();
  #socket: Socket | null = null;
  #serial: number | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  /** When the last round went out (performance.now(), a monotonic clock), -Infinity before the first. */
  #lastRound = Number.NEGATIVE_INFINITY;

  constructor(options: ZoneNotifierOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const socket = createSocket(isIPv6(this.#options.bindHost) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.#options.bindHost, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.#options.onError?.(err));
    socket.on('message', (msg, rinfo) => this.#onReply(msg, `${rinfo.address}:${rinfo.port}`));
    socket.unref();
    this.#socket = socket;
  }

  /** The zone is now at `serial`: tell the secondaries (soon, coalescing what follows). */
  changed(serial: number): void {
    this.#serial = serial;
    // A round already waits: it reads the latest serial when it goes out.
    if (this.#flushTimer !== null || this.#socket === null) return;
    const intervalLeft = this.#lastRound + (this.#options.minIntervalMs ?? NOTIFY_MIN_INTERVAL_MS) - performance.now();
    this.#flushTimer = setTimeout(
      () => {
        this.#flushTimer = null;
        // A round that had nothing to send (every secondary has the serial) starts no interval.
        if (this.#flush()) this.#lastRound = performance.now();
      },
      Math.max(this.#options.coalesceMs ?? 10, intervalLeft),
    );
    this.#flushTimer.unref();
  }

  close(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    for (const p of this.#pending.values()) if (p.timer) clearTimeout(p.timer);
    this.#pending.clear();
    this.#socket?.close();
    this.#socket = null;
  }

  /** Sends the latest serial to every secondary that has not had it; whether any was sent. */
  #flush(): boolean {
    const serial = this.#serial;
    if (serial === null) return false;
    let sent = false;
    for (const target of this.#options.targets) {
      const name = `${target.host}:${target.port}`;
      if (this.#acked.get(name) === serial || this.#pending.get(name)?.serial === serial) continue;
      const old = this.#pending.get(name);
      if (old?.timer) clearTimeout(old.timer);
      this.#send(target, serial);
      sent = true;
    }
    return sent;
  }

  #send(target: NotifyTarget, serial: number, attempt = 0): void {
    const socket = this.#socket;
    if (socket === null) return;
    const name = `${target.host}:${target.port}`;
    const id = Math.floor(Math.random() * 0x10000);
    let message = this.#notifyMessage(id, serial);
    let mac: Buffer | null = null;
    if (this.#options.key) {
      const signed = signMessage(message, this.#options.key, { now: this.#now() });
      message = signed.message;
      mac = signed.mac;
    }
    const pending: Pending = { id, serial, mac, attempt, timer: null };
    this.#pending.set(name, pending);
    socket.send(message, target.port, target.host, (err) => err && this.#options.onError?.(err));
    this.#options.onEvent?.({ kind: 'sent', target: name, serial, attempt });
    const retries = this.#options.retries ?? 5;
    pending.timer = setTimeout(
      () => {
        if (this.#pending.get(name) !== pending) return;
        if (attempt >= retries) {
          this.#pending.delete(name);
          this.#options.onEvent?.({ kind: 'gave-up', target: name, serial });
          return;
        }
        this.#send(target, serial, attempt + 1);
      },
      (this.#options.retryMs ?? 1000) * 2 ** attempt,
    );
    pending.timer.unref();
  }

  #onReply(message: Buffer, from: string): void {
    const pending = this.#pending.get(from);
    if (!pending || message.length < 12 || message.readUInt16BE(0) !== pending.id || (message[2]! & 0x80) === 0) return;
    // A signed NOTIFY's answer must be signed with the same key (RFC 8945 §5.3); anything else is not
    // the secondary's, and the NOTIFY is retried.
    if (pending.mac && this.#options.key) {
      try {
        if (!verifyResponse(message, this.#options.key, pending.mac, this.#now())) return;
      } catch {
        return;
      }
    }
    if (pending.timer) clearTimeout(pending.timer);
    this.#pending.delete(from);
    this.#acked.set(from, pending.serial);
    this.#options.onEvent?.({ kind: 'acknowledged', target: from, serial: pending.serial, attempt: pending.attempt });
  }

  #now(): number {
    return this.#options.now?.() ?? Math.floor(Date.now() / 1000);
  }

  /** RFC 1996 §3.7: opcode NOTIFY, AA, the zone's SOA as the question and (as a hint) the answer. */
  #notifyMessage(id: number, serial: number): Buffer {
    const zone = this.#options.zone;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE((OPCODE_NOTIFY << 11) | dnsPacket.AUTHORITATIVE_ANSWER, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(1, 6);
    const labels = zone.name.split('.').map((l) => Buffer.from(l, 'latin1'));
    const qname = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
    const qfields = Buffer.alloc(4);
    qfields.writeUInt16BE(TYPE_SOA, 0);
    qfields.writeUInt16BE(CLASS_IN, 2);
    return Buffer.concat([header, qname, qfields, codecs.answer.encode(soaAt(zone, serial))]);
  }
}

/** `HOST:PORT` (or `[IPv6]:PORT`; the port defaults to 53) to a target. */
export function parseNotifyTarget(text: string): NotifyTarget {
  const match = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text.trim()) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`a NOTIFY target is HOST:PORT, not ${JSON.stringify(text)}`);
  const port = match[2] === undefined ? 53 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port in NOTIFY target ${JSON.stringify(text)}`);
  return { host: match[1]!, port };
}
