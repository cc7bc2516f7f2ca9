import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/**
 * The native part (native/udp-batch, built on install by scripts/build-native.mjs): a UDP socket read
 * with recvmmsg and written with sendmmsg, whose datagrams come to JavaScript a batch per call, in
 * buffers shared with it. See udp_batch.c for why it is written by hand.
 */
interface UdpBatchAddon {
  open(ipv6: boolean, host: string, port: number, bufferBytes: number, onBatch: (count: number) => void): NativeSocket;
  send(socket: NativeSocket, count: number): number;
  close(socket: NativeSocket): void;
}

interface NativeSocket {
  readonly port: number;
  readonly BATCH: number;
  readonly IN_SLOT: number;
  readonly OUT_BYTES: number;
  readonly ADDR_BYTES: number;
  readonly inData: ArrayBuffer;
  readonly inLen: ArrayBuffer;
  readonly inAddr: ArrayBuffer;
  readonly outData: ArrayBuffer;
  readonly outMeta: ArrayBuffer;
  readonly outAddr: ArrayBuffer;
}

let addon: UdpBatchAddon | null | undefined;
let loadError: unknown;

/**
 * native/udp-batch/index.cjs, from this module's folder up: src/dns/ in a checkout, dist/ or
 * dist/chunks/ in the bundle (esbuild places this module in either), the package's root above both.
 */
function addonEntry(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const entry = join(dir, 'native', 'udp-batch', 'index.cjs');
    if (existsSync(entry)) return entry;
    dir = dirname(dir);
  }
  return null;
}

/**
 * The addon, or null where it is not built (not Linux, no compiler at install: the install goes on
 * without it) and the server uses dgram. Main thread only: a socket left open when a worker thread's
 * environment is torn down would abort the process in uv_loop_close, and Signet's DNS workers are
 * processes. Loaded once.
 */
export function udpBatchAddon(): UdpBatchAddon | null {
  if (addon === undefined) {
    try {
      if (!isMainThread) throw new Error('the batch UDP socket is opened in the main thread only');
      const entry = addonEntry();
      if (entry === null) throw new Error('native/udp-batch not found beside the program');
      addon = createRequire(import.meta.url)(entry) as UdpBatchAddon;
    } catch (err) {
      loadError = err;
      addon = null;
    }
  }
  return addon;
}

/** Why udpBatchAddon() is null (for the server's log and the tests), or null when it loaded. */
export function udpBatchLoadError(): string | null {
  return udpBatchAddon() === null ? String((loadError as Error)?.message ?? loadError) : null;
}

const AF_INET = 2;
const AF_INET6 = 10;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * A UDP socket whose datagrams arrive in batches (`onBatch(count)`, the i-th of them `message(i)`
 * from `address` i), and whose answers are queued with `reply` and sent together by `flush`.
 * Buffers are shared with the native side and reused: a message is valid until `onBatch` returns,
 * and anything kept longer is copied (see `keepAddress`).
 */
export class BatchUdpSocket {
  readonly #addon: UdpBatchAddon;
  readonly #native: NativeSocket;
  readonly #slot: number;
  readonly #addrBytes: number;
  readonly #batch: number;
  readonly #outBytes: number;
  readonly #inData: Buffer;
  readonly #inLen: Int32Array;
  readonly #inAddr: Uint8Array;
  readonly #outData: Buffer;
  readonly #outMeta: Int32Array;
  readonly #outAddr: Uint8Array;
  #outCount = 0;
  #outOffset = 0;
  #open = true;
  #onError: (err: unknown) => void = () => {};
  #onBatch: (count: number) => void = () => {};

  private constructor(addon: UdpBatchAddon, host: string, port: number, bufferBytes: number) {
    this.#addon = addon;
    this.#native = addon.open(host.includes(':'), host, port, bufferBytes, (count) => {
      if (count < 0) this.#onError(Object.assign(new Error(`recvmmsg failed (${count})`), { errno: count }));
      else this.#onBatch(count);
    });
    const n = this.#native;
    this.#slot = n.IN_SLOT;
    this.#addrBytes = n.ADDR_BYTES;
    this.#batch = n.BATCH;
    this.#outBytes = n.OUT_BYTES;
    this.#inData = Buffer.from(n.inData);
    this.#inLen = new Int32Array(n.inLen);
    this.#inAddr = new Uint8Array(n.inAddr);
    this.#outData = Buffer.from(n.outData);
    this.#outMeta = new Int32Array(n.outMeta);
    this.#outAddr = new Uint8Array(n.outAddr);
  }

  /** Binds `host` (an IP address) and `port` (0: a free one); throws as bind does (err.code EADDRINUSE, ...). */
  static open(addon: UdpBatchAddon, host: string, port: number, bufferBytes: number): BatchUdpSocket {
    return new BatchUdpSocket(addon, host, port, bufferBytes);
  }

  get port(): number {
    return this.#native.port;
  }

  /** Called with the number of datagrams received, each read with `message(i)`. */
  onBatch(handler: (count: number) => void): void {
    this.#onBatch = handler;
  }

  onError(handler: (err: unknown) => void): void {
    this.#onError = handler;
  }

  /** The i-th datagram of the batch, or null when it was longer than a slot (no query is). A view: valid until onBatch returns. */
  message(i: number): Buffer | null {
    const length = this.#inLen[i]!;
    if (length < 0) return null;
    const start = i * this.#slot;
    return this.#inData.subarray(start, start + length);
  }

  /** The i-th datagram's source address as text (`192.0.2.1`, `::ffff:192.0.2.1`, eight hextets for IPv6). */
  address(i: number): string {
    return addressText(this.#inAddr, i * this.#addrBytes);
  }

  /** A copy of the i-th datagram's source address (as the kernel gave it), for an answer sent later. */
  keepAddress(i: number): Uint8Array {
    const at = i * this.#addrBytes;
    return this.#inAddr.slice(at, at + this.#addrBytes);
  }

  /** Queues an answer to the i-th datagram of the batch being handled. */
  reply(answer: Buffer, i: number): void {
    this.#queue(answer, this.#inAddr, i * this.#addrBytes);
  }

  /** Queues an answer to an address kept with keepAddress. */
  replyTo(answer: Buffer, address: Uint8Array): void {
    this.#queue(answer, address, 0);
  }

  /** Sends the queued answers (sendmmsg); a closed socket drops them, as queries in flight go unanswered. */
  flush(): void {
    const count = this.#outCount;
    if (count === 0) return;
    this.#outCount = 0;
    this.#outOffset = 0;
    if (!this.#open) return;
    const taken = this.#addon.send(this.#native, count);
    // Fewer taken: the send buffer was full, and the rest were dropped as the kernel drops them (the
    // clients ask again). An error is a failure of the socket, not of one query.
    if (taken < 0) this.#onError(Object.assign(new Error(`sendmmsg failed (${taken})`), { errno: taken }));
  }

  #queue(answer: Buffer, address: Uint8Array, at: number): void {
    if (!this.#open || answer.length > this.#outBytes) return;
    if (this.#outCount === this.#batch || this.#outOffset + answer.length > this.#outBytes) this.flush();
    const k = this.#outCount++;
    this.#outData.set(answer, this.#outOffset);
    this.#outMeta[2 * k] = this.#outOffset;
    this.#outMeta[2 * k + 1] = answer.length;
    this.#outOffset += answer.length;
    // A byte loop: a subarray per answer would be an allocation per datagram.
    const to = k * this.#addrBytes;
    const out = this.#outAddr;
    for (let b = 0; b < this.#addrBytes; b++) out[to + b] = address[at + b]!;
  }

  /** Stops reading and closes the socket; queued answers are dropped. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#outCount = 0;
    this.#addon.close(this.#native);
  }
}

/** A struct sockaddr_in or sockaddr_in6 (Linux's layout, its family in host byte order) as text. */
export function addressText(bytes: Uint8Array, at: number): string {
  const family = LITTLE_ENDIAN ? bytes[at]! | (bytes[at + 1]! << 8) : (bytes[at]! << 8) | bytes[at + 1]!;
  if (family === AF_INET) return `${bytes[at + 4]}.${bytes[at + 5]}.${bytes[at + 6]}.${bytes[at + 7]}`;
  if (family !== AF_INET6) return '';
  const a = at + 8;
  // An IPv4 client of a dual-stack socket (::ffff:a.b.c.d), written as Node's dgram writes it.
  let mapped = bytes[a + 10] === 0xff && bytes[a + 11] === 0xff;
  for (let b = 0; mapped && b < 10; b++) mapped = bytes[a + b] === 0;
  if (mapped) return `::ffff:${bytes[a + 12]}.${bytes[a + 13]}.${bytes[a + 14]}.${bytes[a + 15]}`;
  const groups: string[] = [];
  for (let g = 0; g < 8; g++) groups.push(((bytes[a + 2 * g]! << 8) | bytes[a + 2 * g + 1]!).toString(16));
  return groups.join(':');
}
