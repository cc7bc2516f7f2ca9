import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Resolver } from '../app/detection-ports.ts';
import { dkimDoctor } from '../app/dkim-doctor.ts';
import { publishSandboxDkimRecords, unpublishSandboxDkimRecords } from '../app/dev-sandbox-records.ts';
import type { Clock, Store } from '../app/ports.ts';
import { checkDomainNow, type DetectionDeps } from '../app/run-detection-check.ts';
import { registerSignetRoutes } from '../api/signet-routes.ts';
import type { CoreConfig } from '../config/config.ts';
import { parseDuration, type DkimServiceConfig } from '../config/dkim-config.ts';
import { startDnsServer, type RunningDnsServer } from '../dns/authoritative-server.ts';
import { keyZone, type KeyZone } from '../dns/key-zone.ts';
import { createNodeResolver, parseResolverAddress } from '../dns/node-resolver.ts';
import { createSandboxResolver } from '../dns/sandbox-resolver.ts';
import { SqliteDetectionStore } from '../storage/sqlite/sqlite-detection-store.ts';
import { SqliteDnsKeyStore } from '../storage/sqlite/sqlite-dns-key-store.ts';
import { SqliteSandboxStore } from '../storage/sqlite/sqlite-sandbox-store.ts';
import { SqliteSideConnection } from '../storage/sqlite/sqlite-side-connection.ts';
import { DetectionWorker } from '../worker/detection-worker.ts';
import { OffsetClock } from '../worker/offset-clock.ts';
import { SQLITE_FILE } from './embedded.ts';
import { ConfigError } from '../config/config.ts';

/** Claims outlive a check by far; a worker that dies frees its domains after this. */
const LEASE_MS = 5 * 60_000;

/** The key zone's and detection's stores on the embedded SQLite file (opened after the main store migrated it). */
export interface DkimStores {
  readonly detection: SqliteDetectionStore;
  readonly dnsKeys: SqliteDnsKeyStore;
  readonly sandbox: SqliteSandboxStore;
  close(): void;
}

export function openDkimStores(config: CoreConfig): DkimStores {
  const conn = new SqliteSideConnection(join(config.dataDir, SQLITE_FILE));
  return {
    detection: new SqliteDetectionStore(conn),
    dnsKeys: new SqliteDnsKeyStore(conn),
    sandbox: new SqliteSandboxStore(conn),
    close: () => conn.close(),
  };
}

/** The detection resolver: `--resolver` servers (or the system's), behind the sandbox zone in dev mode. */
export function detectionResolver(dkim: DkimServiceConfig, stores: DkimStores): Resolver {
  let servers: string[];
  try {
    servers = dkim.resolvers.map(parseResolverAddress);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const network = createNodeResolver({ servers, timeoutMs: dkim.resolverTimeoutMs });
  return dkim.dev ? createSandboxResolver(stores.sandbox, network) : network;
}

export function keyZoneOf(dkim: DkimServiceConfig): KeyZone {
  return keyZone(dkim.zone, { nameservers: dkim.nameservers });
}

export interface DkimServices {
  readonly dns: RunningDnsServer;
  readonly clock: Clock;
  close(): Promise<void>;
}

export interface StartDkimServicesInput {
  readonly core: CoreConfig;
  readonly dkim: DkimServiceConfig;
  readonly store: Store;
  readonly toAscii: (name: string) => string;
  readonly app: FastifyInstance;
  readonly onError: (err: unknown, what: string) => void;
}

/**
 * `signet serve`'s DKIM side: the key zone's DNS server, the detection worker (unless
 * `--no-detection`), and the `/_signet/` routes (the test controls only in `--dev`). Call before the
 * HTTP server listens, so that the routes are registered in time.
 */
export async function startDkimServices(input: StartDkimServicesInput): Promise<DkimServices> {
  const { dkim, core } = input;
  const stores = openDkimStores(core);
  const clock = new OffsetClock();
  const resolver = detectionResolver(dkim, stores);
  const deps: DetectionDeps = { store: stores.detection, resolver, clock, zone: dkim.zone, policy: dkim.policy, leaseMs: LEASE_MS };
  const defaultScope = { accountId: core.accountId, region: core.defaultRegion };
  const sandboxDeps = { store: input.store, sandbox: stores.sandbox, zone: dkim.zone, toAscii: input.toAscii };
  registerSignetRoutes(input.app, {
    defaultScope,
    doctor: (scope, domain) => dkimDoctor({ store: input.store, resolver, zone: dkim.zone, toAscii: input.toAscii }, scope, domain),
    ...(dkim.dev
      ? {
          dev: {
            publish: (scope, domain) => publishSandboxDkimRecords(sandboxDeps, scope, domain),
            unpublish: (scope, domain) => unpublishSandboxDkimRecords(sandboxDeps, scope, domain),
            check: (scope, domain) => checkDomainNow(deps, scope, domain),
            clock,
            parseDuration: (text) => parseDuration('advance', text, 0),
          },
        }
      : {}),
  });
  const dns = await startDnsServer({
    host: dkim.dnsHost,
    port: dkim.dnsPort,
    zone: keyZoneOf(dkim),
    lookup: (token) => stores.dnsKeys.findKeySync(token),
    onError: (err) => input.onError(err, 'dns server'),
  });
  const worker = dkim.detection
    ? new DetectionWorker(deps, { pollMs: dkim.pollMs, batchSize: dkim.batchSize, onError: (err) => input.onError(err, 'detection') })
    : null;
  worker?.start();
  return {
    dns,
    clock,
    async close() {
      await worker?.stop();
      await dns.close();
      stores.close();
    },
  };
}
