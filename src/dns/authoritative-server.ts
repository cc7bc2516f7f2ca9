import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { answerQuery, type KeyLookup, type Transport } from './answer-query.ts';
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
}

export interface RunningDnsServer {
  readonly host: string;
  readonly port: number;
  /** The UDP socket, for DNS workers to read too (answerOnUdpSocket). */
  readonly udp: UdpSocket;
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

/**
 * Answers every query that arrives on a bound UDP socket: the server's own, or the same socket handed
 * to a DNS worker process (src/main/dns-workers.ts), where the kernel gives each datagram to one of
 * the processes reading it. `answerQuery` answers or drops anything and never throws.
 */
export function answerOnUdpSocket(socket: UdpSocket, options: UdpAnswerOptions): void {
  const onError = options.onError ?? (() => {});
  const onAnswer = options.onAnswer;
  const fast = options.fast;
  const rrl = options.rrl && options.rrl.ratePerSecond > 0 ? new ResponseRateLimiter(options.rrl) : null;
  // RRL's clock, read every few milliseconds rather than per answer (the read cost about 1% of the
  // server's rate on a busy machine); a few ms are a token at most at the default rate. NSD's RRL
  // counts whole seconds.
  let clock = performance.now();
  if (rrl !== null) {
    const tick = setInterval(() => (clock = performance.now()), RRL_CLOCK_MS);
    tick.unref();
    socket.once('close', () => clearInterval(tick));
  }
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
    let quick: Buffer | null = null;
    try {
      quick = fast ? fast(msg, 'udp') : null;
    } catch (err) {
      onError(err); // a bug, not the packet's fault: answerQuery still answers it
    }
    if (quick) {
      onAnswer?.(quick);
      if (rrl !== null) {
        const verdict = rrl.verdict(rinfo.address, quick, clock);
        if (verdict === 'drop') return;
        if (verdict === 'slip') quick = slipReply(quick);
      }
      enqueue(quick, rinfo.port, rinfo.address);
      return;
    }
    answerSlow(msg, 'udp', options).then((reply) => {
      if (reply === null) return;
      onAnswer?.(reply);
      const verdict = rrl === null ? 'send' : rrl.verdict(rinfo.address, reply, clock);
      if (verdict === 'drop') return;
      // Queued too: the misses of one batched key read are answered in the same turn, and go out
      // back to back with that turn's answers from memory. A reply whose read ended after the socket
      // closed (shutdown) is dropped by flush; a send here threw, inside this callback, a rejection
      // nothing handled.
      enqueue(verdict === 'slip' ? slipReply(reply) : reply, rinfo.port, rinfo.address);
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
    const udp = await bindUdp(options.host, options.port, onError);
    const port = udp.address().port;
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
    answerOnUdpSocket(udp, options);
    return {
      host: options.host,
      port,
      udp,
      async close() {
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
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
