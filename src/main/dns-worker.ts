import type { Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { answerOnUdpSocket } from '../dns/authoritative-server.ts';
import { answersFromCache, KeyZoneCache } from '../dns/key-zone-cache.ts';
import { keyZone, withLiveSerial } from '../dns/key-zone.ts';
import { serialOf } from '../dns/zone-transfer.ts';
import { parseTsigKey } from '../dns/tsig.ts';
import { openStorage } from '../storage/open-storage.ts';
import { DNS_WORKER_COMMAND, DNS_WORKER_CONFIG_ENV, type DnsWorkerConfig, type FromWorker, type ToWorker } from './dns-workers.ts';

/**
 * Composition root of a DNS worker (`signet _dns-worker`, started by `signet serve --dns-workers N`
 * through src/main/dns-workers.ts, never by hand): its own copy of the key zone over the store, and
 * the UDP socket the server hands over, answered as the server answers it.
 */
export async function runDnsWorker(env: NodeJS.ProcessEnv): Promise<number> {
  const send = process.send?.bind(process);
  const configText = env[DNS_WORKER_CONFIG_ENV];
  if (!send || !configText) {
    process.stderr.write(`signet: ${DNS_WORKER_COMMAND} is started by signet serve --dns-workers, not by hand\n`);
    return 252;
  }
  const config = JSON.parse(configText) as DnsWorkerConfig;
  const post = (message: FromWorker) => {
    if (process.connected) send(message);
  };
  const report = (what: string) => (err: unknown) => post({ type: 'error', what, message: (err as Error)?.stack ?? String(err) });
  // The server stops its workers by closing the channel; the signals a terminal sends to the whole
  // process group are the server's to act on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  // Listened for before the slow start: a server that stops (or dies) meanwhile is not missed.
  const disconnected = once(process, 'disconnect');

  const storage = await openStorage(config.store);
  const cache = new KeyZoneCache(storage.dnsKeys, { maxEntries: config.cacheKeys, readMissesNow: config.readMissesNow, onError: report('key zone cache') });
  await cache.start();
  // The SOA serial is the change sequence of this process's copy, as in the server's (dkim-services.ts).
  const zone = withLiveSerial(keyZone(config.zone, { nameservers: config.nameservers }), () => serialOf(cache.seq));
  const sockets: UdpSocket[] = [];
  process.on('message', (message: ToWorker, handle: unknown) => {
    if (message.type === 'socket' && handle) {
      const socket = handle as UdpSocket;
      sockets.push(socket);
      socket.on('error', report('udp socket'));
      answerOnUdpSocket(socket, {
        zone,
        ...answersFromCache(zone, cache),
        rrl: config.rrl,
        tsigKeys: (config.tsigKeys ?? []).map(parseTsigKey),
        onError: report('dns'),
      });
    } else if (message.type === 'sync') {
      cache.sync().then(
        () => post({ type: 'synced', id: message.id, ok: true }),
        (err: unknown) => {
          report('key zone cache')(err);
          post({ type: 'synced', id: message.id, ok: false });
        },
      );
    }
  });
  post({ type: 'ready' });
  if (process.connected) await disconnected;
  cache.stop();
  for (const socket of sockets) socket.close();
  await storage.close();
  return 0;
}
