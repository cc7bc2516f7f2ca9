import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { answerQuery, type KeyLookup, type Transport } from './answer-query.ts';
import { addressText, BatchUdpSocket, udpBatchAddon } from './batch-udp-socket.ts';
import type { KeyZone } from './key-zone.ts';
import { ResponseRateLimiter, slipReply, type RrlSettings } from './response-rate-limiter.ts';
import { serveTcpConnection } from './tcp-connection.ts';
import { DEFAULT_TCP_LIMITS, TcpAdmission, type TcpLimits } from './tcp-connection-limits.ts';
import { ZoneTransfers } from './zone-transfer.ts';
import { answerSignedQuery } from './signed-query.ts';
import type { TsigKey } from './tsig.ts';

export interface DnsServerOptions {
  readonly host: string;
  /** 0 picks a free port, the same one for UDP and TCP. */
  readonly port: number;
  readonly zone: KeyZone;
  readonly lookup: KeyLookup;
  /**
   * Answers the common query from memory, synchronously, or returns null to let `answerQuery` do it
   * (see `fastAnswerer`). Both must give the same answer for the same message.
   */
  readonly fast?: (message: Buffer, transport: Transport) => Buffer | null;
  /**
   * Where `fast` found no key in memory: the same question answered once the key is read, or null to
   * let `answerQuery` do it (see `fastMissAnswerer`). The same answer as `answerQuery` too.
   */
  readonly fastMiss?: (message: Buffer, transport: Transport) => Promise<Buffer | null> | null;
  /** Bounds per TCP connection and client (DEFAULT_TCP_LIMITS for what is not given). */
  readonly tcpLimits?: Partial<TcpLimits>;
  /** Response-rate limiting of UDP answers; absent or a rate of 0: none. */
  readonly rrl?: RrlSettings;
  /** Keys whose TSIG-signed queries get signed answers (secondaries sign their SOA probes). */
  readonly tsigKeys?: readonly TsigKey[];
  /** Zone transfers (AXFR, IXFR) over TCP to allowed secondaries; absent: every transfer is refused. */
  readonly transfers?: ZoneTransfers;
  /** Unexpected socket errors (never per-packet problems, which are answered or dropped). */
  readonly onError?: (err: unknown) => void;
  /** Every reply as it is made, before rate limiting (`/metrics`: queries by type and RCODE). */
  readonly onAnswer?: (reply: Buffer) => void;
  /**
   * UDP through the batch socket (recvmmsg and sendmmsg, src/dns/batch-udp-socket.ts) where it is
   * built, else Node's dgram. Its socket cannot be handed to DNS workers: with them, dgram.
   */
  readonly udpBatch?: boolean;
}

export interface RunningDnsServer {
  readonly host: string;
  readonly port: number;
  /** The UDP socket, for DNS workers to read too (answerOnUdpSocket); null with the batch socket (udpBatch). */
  readonly udp: UdpSocket | null;
  /** Which UDP path answers: the batch socket (recvmmsg) or Node's dgram. */
  readonly udpPath: 'recvmmsg' | 'dgram';
  close(): Promise<void>;
}

/** Socket buffer size asked for; the kernel grants at most net.core.rmem_max / wmem_max. */
const UDP_BUFFER_BYTES = 1 << 20;

/** How often response-rate limiting's clock is read (see answerOnUdpSocket). */
const RRL_CLOCK_MS = 5;

/** How many times a free port is tried when port 0 was asked and TCP finds UDP's port taken. */
const PORT_ATTEMPTS = 20;

/**
 * dgram resolves the address of every send(), even a literal IP like a client's, through dns.lookup,
 * which answers on the next tick: per reply a lookup, a tick and a deferred send. A literal address is
 * handed back at once here (the send then goes out in the same tick); names still go to dns.lookup.
 */
function lookupAddress(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  const version = isIP(address);
  if (version !== 0) callback(null, address, version);
  else dnsLookup(address, family as number, callback as never);
}

function bindUdp(host: string, port: number, onError: (err: unknown) => void): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    // Bursts of queries must wait in the kernel rather than be dropped while the event loop is busy:
    // a larger receive buffer (capped by net.core.rmem_max), as NSD's so-rcvbuf.
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      recvBufferSize: UDP_BUFFER_BYTES,
      sendBufferSize: UDP_BUFFER_BYTES,
      lookup: lookupAddress,
    });
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      socket.on('error', onError);
      resolve(socket);
    });
  });
}

export type UdpAnswerOptions = Pick<DnsServerOptions, 'zone' | 'lookup' | 'fast' | 'fastMiss' | 'onError' | 'rrl' | 'onAnswer' | 'tsigKeys'>;

/** What `fast` did not answer: `fastMiss` where it takes the message, else answerMaybeSigned. */
function answerSlow(message: Buffer, transport: Transport, options: UdpAnswerOptions): Promise<Buffer | null> {
  if (options.fastMiss) {
    try {
      const miss = options.fastMiss(message, transport);
      if (miss !== null) return miss;
    } catch (err) {
      options.onError?.(err); // a bug, not the message's fault: answerQuery still answers it
    }
  }
  return answerMaybeSigned(message, transport, options);
}

/** answerQuery, or for a TSIG-signed query its signed answer (answerSignedQuery). */
async function answerMaybeSigned(message: Buffer, transport: Transport, options: UdpAnswerOptions): Promise<Buffer | null> {
  const keys = options.tsigKeys;
  if (keys && keys.length > 0) {
    const signed = await answerSignedQuery(message, keys, (unsigned) => answerQuery(unsigned, transport, options.zone, options.lookup));
    if (signed !== undefined) return signed;
  }
  return answerQuery(message, transport, options.zone, options.lookup);
}

/** `fast`'s answer, or null: none, or a bug in it (reported; answerQuery still answers the message). */
function answerFast(options: UdpAnswerOptions, message: Buffer, onError: (err: unknown) => void): Buffer | null {
  try {
    return options.fast ? options.fast(message, 'udp') : null;
  } catch (err) {
    onError(err); // a bug, not the packet's fault
    return null;
  }
}

/** What RRL lets out of a reply to `address`: the reply, its slip (empty, TC=1), or null (dropped). */
function rateLimited(rrl: ResponseRateLimiter, address: string, reply: Buffer, now: number): Buffer | null {
  const verdict = rrl.verdict(address, reply, now);
  return verdict === 'drop' ? null : verdict === 'slip' ? slipReply(reply) : reply;
}

/**
 * Response-rate limiting for one UDP socket, or null when off, and its clock: read every few
 * milliseconds rather than per answer (the read cost about 1% of the server's rate on a busy
 * machine); a few ms are a token at most at the default rate. NSD's RRL counts whole seconds.
 */
function rateLimiting(options: UdpAnswerOptions): { rrl: ResponseRateLimiter | null; clock: { now: number; stop: () => void } } {
  const rrl = options.rrl && options.rrl.ratePerSecond > 0 ? new ResponseRateLimiter(options.rrl) : null;
  const clock = { now: performance.now(), stop: () => {} };
  if (rrl !== null) {
    const tick = setInterval(() => (clock.now = performance.now()), RRL_CLOCK_MS);
    tick.unref();
    clock.stop = () => clearInterval(tick);
  }
  return { rrl, clock };
}

/**
 * answerOnUdpSocket for the batch socket: the datagrams of one recvmmsg come in one call, answered
 * from memory in a loop and sent with one sendmmsg before the call returns; a miss is answered when
 * its key is read, with the other answers of that turn (setImmediate), as on dgram. A trivial
 * responder answered 1.74x and 1.91x dgram's rate on it (bench/udp-batch.ts, two runs, dnsperf on loopback, two cores),
 * and bench/scale.ts measures it on the key zone (SIGNET_UDP_BATCH=0 for dgram).
 */
export function answerOnBatchUdpSocket(socket: BatchUdpSocket, options: UdpAnswerOptions): () => void {
  const onError = options.onError ?? (() => {});
  const onAnswer = options.onAnswer;
  const { rrl, clock } = rateLimiting(options);
  let laterScheduled = false;
  const sendLater = () => {
    laterScheduled = false;
    socket.flush();
  };
  /** A miss's reply, once read: through RRL with the address kept for it, then queued. */
  const answerLater = (answer: Buffer | null, address: Uint8Array) => {
    if (answer === null) return;
    onAnswer?.(answer);
    const reply = rrl === null ? answer : rateLimited(rrl, addressText(address, 0), answer, clock.now);
    if (reply === null) return;
    socket.replyTo(reply, address);
    if (!laterScheduled) {
      laterScheduled = true;
      setImmediate(sendLater);
    }
  };
  socket.onError(onError);
  socket.onBatch((count) => {
    for (let i = 0; i < count; i++) {
      const message = socket.message(i);
      if (message === null) continue;
      const quick = answerFast(options, message, onError);
      if (quick !== null) {
        onAnswer?.(quick);
        const reply = rrl === null ? quick : rateLimited(rrl, socket.address(i), quick, clock.now);
        if (reply !== null) socket.reply(reply, i);
        continue;
      }
      // Copies: the batch's buffers are read into again once this call returns.
      const address = socket.keepAddress(i);
      answerSlow(Buffer.from(message), 'udp', options).then((reply) => answerLater(reply, address), onError);
    }
    socket.flush();
  });
  return clock.stop;
}

/**
 * Answers every query that arrives on a bound UDP socket: the server's own, or the same socket handed
 * to a DNS worker process (src/main/dns-workers.ts), where the kernel gives each datagram to one of
 * the processes reading it. `answerQuery` answers or drops anything and never throws.
 */
export function answerOnUdpSocket(socket: UdpSocket, options: UdpAnswerOptions): void {
  const onError = options.onError ?? (() => {});
  const onAnswer = options.onAnswer;
  const { rrl, clock } = rateLimiting(options);
  socket.once('close', clock.stop);
  // Replies wait for the end of this turn of the event loop (libuv reads up to 32 datagrams per turn;
  // a batched key read answers its misses together), then go out back to back. Each send on loopback
  // or a busy link may wake the client's receiving thread; sent in a burst, later ones mostly find it
  // awake. NSD batches the same way with sendmmsg, which Node reaches only through libuv's send queue
  // (src/main/udp-send-queue.ts: serve runs with it where it can). With lookupAddress
  // below, this took one process from about 0.43 to about 0.6 of NSD's rate (bench/dns-qps.ts), for
  // a delay of microseconds.
  let queued: Array<{ reply: Buffer; port: number; address: string }> = [];
  const flush = () => {
    const batch = queued;
    queued = [];
    try {
      // No callback: a send error is emitted on the socket, where onError hears it.
      for (const q of batch) socket.send(q.reply, q.port, q.address);
    } catch (err) {
      // The socket was closed in the meantime (shutdown): those queries go unanswered, as any in flight.
      if ((err as { code?: string }).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') onError(err);
    }
  };
  const enqueue = (reply: Buffer, port: number, address: string) => {
    if (queued.length === 0) setImmediate(flush);
    queued.push({ reply, port, address });
  };
  socket.on('message', (msg, rinfo) => {
    const quick = answerFast(options, msg, onError);
    if (quick !== null) {
      onAnswer?.(quick);
      const reply = rrl === null ? quick : rateLimited(rrl, rinfo.address, quick, clock.now);
      if (reply !== null) enqueue(reply, rinfo.port, rinfo.address);
      return;
    }
    answerSlow(msg, 'udp', options).then((answer) => {
      if (answer === null) return;
      onAnswer?.(answer);
      const reply = rrl === null ? answer : rateLimited(rrl, rinfo.address, answer, clock.now);
      // Queued too: the misses of one batched key read are answered in the same turn, and go out
      // back to back with that turn's answers from memory. A reply whose read ended after the socket
      // closed (shutdown) is dropped by flush; a send here threw, inside this callback, a rejection
      // nothing handled.
      if (reply !== null) enqueue(reply, rinfo.port, rinfo.address);
    }, onError);
  });
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The server's UDP side: the batch socket where asked for and built, else dgram; answering once `answer` is called. */
interface UdpEnd {
  readonly port: number;
  readonly dgram: UdpSocket | null;
  answer(): void;
  close(): Promise<void>;
}

async function openUdp(options: DnsServerOptions, onError: (err: unknown) => void): Promise<UdpEnd> {
  const addon = options.udpBatch ? udpBatchAddon() : null;
  if (addon !== null) {
    // The native socket binds an address: a host name is looked up first, as dgram's bind does (an
    // udp4 socket for a name, as bindUdp makes).
    const host = isIP(options.host) !== 0 ? options.host : (await dnsLookupAsync(options.host, { family: 4 })).address;
    const socket = BatchUdpSocket.open(addon, host, options.port, UDP_BUFFER_BYTES);
    let stopClock = () => {};
    return {
      port: socket.port,
      dgram: null,
      answer: () => (stopClock = answerOnBatchUdpSocket(socket, options)),
      close: async () => {
        stopClock();
        socket.close();
      },
    };
  }
  const udp = await bindUdp(options.host, options.port, onError);
  return {
    port: udp.address().port,
    dgram: udp,
    answer: () => answerOnUdpSocket(udp, options),
    close: () => new Promise<void>((resolve) => udp.close(() => resolve())),
  };
}

/**
 * The authoritative server of the key zone, over UDP and TCP on one port. Every message goes through
 * `fast` or else `answerQuery`, which answers or drops anything and never throws; socket errors are
 * reported, never fatal.
 */
export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  const onError = options.onError ?? (() => {});
  const tcpLimits: TcpLimits = { ...DEFAULT_TCP_LIMITS, ...options.tcpLimits };
  const onAnswer = options.onAnswer;
  const transfers = options.transfers;
  const answerTcp = (message: Buffer, client: string): Buffer | readonly Buffer[] | null | Promise<Buffer | readonly Buffer[] | null> => {
    // RFC 5936 §4.2: transfers only over TCP; over UDP answerQuery refuses them.
    if (transfers && ZoneTransfers.isTransfer(message)) return transfers.answer(message, client);
    try {
      const quick = options.fast ? options.fast(message, 'tcp') : null;
      if (quick !== null) {
        onAnswer?.(quick);
        return quick;
      }
    } catch (err) {
      onError(err); // a bug, not the message's fault: answerQuery still answers it
    }
    const full = answerSlow(message, 'tcp', options);
    if (!onAnswer) return full;
    return full.then((reply) => {
      if (reply !== null) onAnswer(reply);
      return reply;
    });
  };
  for (let attempt = 1; ; attempt++) {
    const udp = await openUdp(options, onError);
    const port = udp.port;
    const connections = new Set<Socket>();
    const admission = new TcpAdmission(tcpLimits);
    const tcp = createServer((socket) => {
      const client = admission.admit(socket.remoteAddress);
      if (client === null) {
        socket.destroy();
        return;
      }
      connections.add(socket);
      socket.once('close', () => {
        connections.delete(socket);
        admission.release(client);
      });
      const address = socket.remoteAddress ?? '';
      serveTcpConnection(socket, (message) => answerTcp(message, address), tcpLimits, onError);
    });
    // Over the total, Node closes a connection as it is accepted: its descriptor is freed at once.
    tcp.maxConnections = tcpLimits.maxConnections;
    try {
      await listenTcp(tcp, options.host, port);
    } catch (err) {
      udp.close();
      const taken = (err as { code?: string }).code === 'EADDRINUSE';
      if (options.port === 0 && taken && attempt < PORT_ATTEMPTS) continue;
      throw err;
    }
    tcp.on('error', onError);
    udp.answer();
    return {
      host: options.host,
      port,
      udp: udp.dgram,
      udpPath: udp.dgram === null ? 'recvmmsg' : 'dgram',
      async close() {
        await Promise.all([
          udp.close(),
          new Promise<void>((resolve) => {
            tcp.close(() => resolve());
            // Open connections would hold close() until their idle timeout.
            for (const socket of connections) socket.destroy();
          }),
        ]);
      },
    };
  }
}
