import { bootstrapAccount, prepareDevAccount } from '../app/accounts.ts';
import { createHttpServer, setHttpsCertificate } from '../api/http-server.ts';
import type { TlsFiles } from '../config/tls-config.ts';
import { readTlsFiles, type TlsMaterial } from '../smtp/tls-material.ts';
import { createApiMetrics } from '../api/metrics.ts';
import { ConfigError } from '../config/config.ts';
import { writeCredentialsFile } from './credentials-file.ts';
import type { ServeConfig } from '../config/config.ts';
import type { DkimServiceConfig } from '../config/dkim-config.ts';
import { keyZoneOf, startDkimServices, type DkimServices } from './dkim-services.ts';
import type { KeyRingEvent } from '../app/key-ring.ts';
import { createSignet, systemRandom, type Runtime } from './signet.ts';
import { OffsetClock } from '../worker/offset-clock.ts';
import type { SendConfig } from '../config/send-config.ts';
import type { HttpConfig } from '../config/http-config.ts';
import type { SesHttpRequest } from '../api/http-request.ts';
import { startMetricsListener } from '../api/metrics-access.ts';
import { accessKeySmtpAuthenticator, devSmtpAuthenticator } from '../smtp/smtp-authenticator.ts';
import { smtpPasswordV4 } from '../smtp/smtp-password.ts';
import { smtpRegions, startSmtpService, type SmtpService, type SmtpServiceSettings } from '../smtp/smtp-service.ts';
import { registerOutboxRoutes, registerVerifyEmailRoute } from '../api/outbox-routes.ts';
import { confirmEmailVerification } from '../app/send-verification-email.ts';
import { createSendMetrics } from '../delivery/send-metrics.ts';
import { createOperationsMetrics } from '../api/operations-metrics.ts';
import { DnsQueryCounter } from '../dns/query-counter.ts';
import { udpBatchLoadError } from '../dns/batch-udp-socket.ts';
import type { DetectionObserver } from '../app/detection-ports.ts';
import { OVERDUE_AFTER_MS } from './store-maintenance.ts';

/** What `signet serve` was told, each part normalized once (src/commands/serve.ts). */
export interface ServerSettings {
  readonly config: ServeConfig;
  readonly dkim: DkimServiceConfig;
  readonly sending: SendConfig;
  /** SES's SMTP interface; null when switched off. */
  readonly smtp: SmtpServiceSettings | null;
  /** The HTTP API's limits and timeouts, and where /metrics is served. */
  readonly http: HttpConfig;
  /** `--tls-cert`/`--tls-key`: HTTPS for the API and SMTP's certificate; null: plain HTTP. */
  readonly tls?: TlsFiles | null;
}

/**
 * `signet serve`'s composition: the SES API over HTTP, the key zone's DNS server, detection, the key
 * pool and relay delivery, over Signet built once by createSignet. Returns when SIGTERM or SIGINT has
 * drained it.
 */
export async function runServer(settings: ServerSettings): Promise<number> {
  const { config, sending, http } = settings;
  const dkimConfig = settings.dkim;
  const metrics = createApiMetrics({
    get size() {
      return signet.keyPool.size;
    },
    get generated() {
      return signet.keyPool.generated;
    },
  });
  const sendMetrics = createSendMetrics(metrics.registry);
  const dnsAnswers = new DnsQueryCounter();
  const operations = createOperationsMetrics(metrics.registry, {
    overview: () => signet.storage.detection.overview(Date.now(), OVERDUE_AFTER_MS),
    dnsAnswers: () => dnsAnswers.entries(),
    dnsCache: () => dkim?.dnsCache ?? null,
  });
  // /health's readiness: each part flips once it is up (the key pool once it holds a first
  // VerifyDomainDkim's keys, or at once when it keeps none), and stays up.
  const up = { store: false, dns: false, keyPool: false };
  const listeners: Record<string, string> = {};
  const readiness = () => {
    if (!up.keyPool && up.store && signet.keyPool.size >= Math.min(3, config.keyPoolSize)) up.keyPool = true;
    const waiting = Object.entries(up)
      .filter(([, v]) => !v)
      .map(([k]) => k);
    return { ready: waiting.length === 0, waiting, listeners };
  };
  // Read once here and shared: the API and SMTP present one certificate, reloaded together on SIGHUP.
  // A file that is missing or no certificate stops the start (exit 253), before anything listens.
  const tls = settings.tls ? readTlsOrRefuse(settings.tls) : null;
  let listeningAt = `${tls ? 'https' : 'http'}://${config.host}:${config.port}`;
  const app = createHttpServer({
    tls,
    readiness,
    handler: async (r) => signet.handler!(r),
    logger: { level: config.logLevel },
    metrics,
    // Headers checked before bodies are read, limits and timeouts, dev mode's Host and Origin rules,
    // and who may read /metrics here (issue 14).
    precheck: (headers) => signet.authenticator!.precheck(headers),
    dev: dkimConfig.dev,
    limits: http.limits,
    metricsAccess: http.metricsListener === null ? { token: http.metricsToken } : null,
  });
  // Issue 16: each key generation, activation and retirement, logged and counted (never the key).
  const onKeyEvent = (event: KeyRingEvent): void => {
    metrics.countKeyEvent(event.kind);
    app.log.info(
      { domain: event.domain, token: event.token, bits: event.bits, account: event.scope.accountId, region: event.scope.region },
      `DKIM key ${event.kind}`,
    );
  };
  // One clock for the use cases, detection and the key pool; in dev mode `/_signet/clock` moves it.
  const devClock = dkimConfig.dev ? new OffsetClock() : null;
  const runtime: Runtime = { clock: devClock ?? { now: () => Date.now() }, random: systemRandom };
  const signet = await createSignet(config, runtime, {
    api: {
      auth: dkimConfig.dev ? 'dev' : 'sigv4',
      throttle: config.throttle,
      keyZone: dkimConfig.zone,
      onInternalError: (err, requestId) => app.log.error({ err, requestId }, 'internal error'),
    },
    keyPool: { target: config.keyPoolSize, concurrency: config.keyPoolConcurrency, onError: (err) => app.log.error({ err }, 'key generation failed') },
    // The same ring policy for the v2 API's key-length changes as for the key-ring worker's rotations.
    keyRing: { ...dkimConfig.keyRing, ttlMs: keyZoneOf(dkimConfig).ttl * 1000, onEvent: (event) => onKeyEvent(event) },
    delivery: true,
    ...(dkimConfig.dev && config.autoVerify !== 'none' ? { autoVerify: { mode: config.autoVerify, zone: dkimConfig.zone } } : {}),
    sending: {
      config: sending,
      messageIdDomain: dkimConfig.zone,
      publicUrl: () => listeningAt,
      // Never silent: every message that leaves unsigned is logged with its reason and counted.
      onUnsigned: (event) => {
        sendMetrics.unsigned(event.kind);
        const line = { messageId: event.messageId, domain: event.domain, reason: event.reason, kind: event.kind };
        if (event.kind === 'unsignable') app.log.error(line, 'message not DKIM-signed');
        else app.log.info(line, 'message sent without a DKIM signature by its domain');
      },
      // One line per relay attempt's outcome (delivered, retry, failed), with the message's id.
      onDelivered: (messageId) => {
        sendMetrics.delivery('delivered');
        app.log.info({ messageId, outcome: 'delivered' }, 'delivered to the relay');
      },
      onAttemptFailed: (messageId, err, willRetry) => {
        sendMetrics.delivery(willRetry ? 'retry' : 'failed');
        app.log.warn({ messageId, outcome: willRetry ? 'retry' : 'failed', error: (err as Error).message, willRetry }, 'relay delivery failed');
      },
      onDeliveryError: (err) => app.log.error({ err }, 'delivery worker failed'),
    },
  });
  up.store = true;
  // Every status change detection makes is one log line and a count (issue 19: an identity went
  // Pending -> TemporaryFailure -> Success with no trace).
  const detectionObserver: DetectionObserver = {
    checked: (outcome, seconds) => operations.detection.checked(outcome, seconds),
    statusChanged: (change) => {
      operations.detection.statusChanged(change.kind, change.to);
      app.log.info(
        {
          identity: change.domain,
          accountId: change.scope.accountId,
          region: change.scope.region,
          status: change.kind,
          from: change.from,
          to: change.to,
          reason: change.reason,
          records: change.records,
        },
        'identity status changed',
      );
    },
  };
  let dkim: DkimServices | null = null;
  let smtp: SmtpService | null = null;
  let metricsListener: Awaited<ReturnType<typeof startMetricsListener>> | null = null;
  // The pool fills from the start, as keys take long to make; a start that fails below stops it.
  signet.keyPool.start();
  try {
    if (sending.platform) {
      // Names only: the key itself is never logged.
      app.log.info({ domain: sending.platform.domain, selector: sending.platform.selector }, 'platform DKIM signature added to every message');
    }
    // Outside dev mode the outbox is SigV4-authenticated and per account (issue 14, finding 4).
    const outboxAuth = dkimConfig.dev ? undefined : (r: SesHttpRequest) => signet.authenticator!.authenticate(r);
    if (dkimConfig.dev || sending.outboxApi) registerOutboxRoutes(app, signet.storage.outbox, outboxAuth);
    registerVerifyEmailRoute(app, (token) => confirmEmailVerification(signet.ctx, token));
    const created = await bootstrapAccount(signet.accounts);
    // The dev account sends anywhere, unless `--sandbox` puts it in SES's sandbox (set on every start).
    if (dkimConfig.dev) await prepareDevAccount(signet.accounts, config.sandbox);
    if (created) {
      const file = writeCredentialsFile(config.dataDir, created.accessKeyId, created.secretAccessKey, config.defaultRegion);
      // Shown once, on the standard error of whoever started the server: stdout carries the JSON log
      // stream, which log collectors keep (issue 14); the credentials file keeps it too, mode 0600.
      process.stderr.write(
        `signet created account ${created.accountId} with access key ${created.accessKeyId}\n` +
          `  secret access key: ${created.secretAccessKey}\n` +
          `  saved as profile [signet] in ${file}: AWS_SHARED_CREDENTIALS_FILE=${file} aws --profile signet ses ...\n` +
          // SES's SMTP credentials for the same key (`signet admin smtp-credentials` for other regions).
          `  SMTP user name: ${created.accessKeyId}  SMTP password (${config.defaultRegion}): ${smtpPasswordV4(created.secretAccessKey, config.defaultRegion)}\n`,
      );
    }
    if (dkimConfig.dev) {
      process.stdout.write(
        'signet DEV MODE: any well-formed credentials are accepted as account 000000000000; signatures are not checked. For local testing only.\n' +
          `signet dev account: ${config.sandbox ? 'in the sandbox (--sandbox): sends only to verified identities and the mailbox simulator' : 'production access (sends anywhere)'}; --auto-verify ${config.autoVerify}\n`,
      );
    }
    // Every listener is bound before anything is served or started: a port in use (or an address that
    // does not resolve) stops the start with one line naming it, and nothing runs half-started.
    dkim = await listening(`the DNS server on ${dkimConfig.dnsHost}:${dkimConfig.dnsPort}`, () =>
      startDkimServices({
        core: config,
        dkim: dkimConfig,
        signet,
        devClock,
        app,
        onError: (err, what) => app.log.error({ err }, `${what} failed`),
        detectionObserver,
        onDnsAnswer: (reply) => dnsAnswers.count(reply),
        onKeyEvent,
        onDnsEvent: (fields, message) => app.log.info(fields, message),
      }),
    );
    up.dns = true;
    listeners['dns'] = `${dkim.dns.host}:${dkim.dns.port} (udp, tcp)`;
    const udpProcesses = dkimConfig.dnsWorkers > 1 ? ` in ${dkimConfig.dnsWorkers} processes` : '';
    process.stdout.write(`signet dns listening on ${dkim.dns.host}:${dkim.dns.port} (udp${udpProcesses}, tcp) for ${dkimConfig.zone}\n`);
    app.log.info({ udp: dkim.dns.udpPath, ...(dkim.dns.udpPath === 'dgram' ? { udpBatch: udpBatchLoadError() ?? 'off' } : {}) }, 'dns udp path');
    // SES's SMTP endpoint: messages go through the same SendRawEmail use case as the API's.
    const smtpSettings = settings.smtp;
    if (smtpSettings !== null) {
      const ports = [smtpSettings.starttlsPort, smtpSettings.tlsPort].filter((p) => p !== null).join(' and ');
      const service = await listening(`the SMTP interface on ${config.host}:${ports}`, () =>
        startSmtpService({
          ctx: signet.ctx,
          authenticator: dkimConfig.dev
            ? devSmtpAuthenticator(config.defaultRegion)
            : accessKeySmtpAuthenticator(signet.accounts, smtpRegions(config.defaultRegion)),
          settings: smtpSettings,
          host: config.host,
          dataDir: config.dataDir,
          log: { info: (o, m) => app.log.info(o, m), error: (o, m) => app.log.error(o, m) },
          ...(tls ? { tls } : {}),
          onMessage: (outcome) => operations.smtp.message(outcome),
        }),
      );
      smtp = service;
      const { starttls, tls: implicitTls } = service.listener.addresses;
      if (starttls) listeners['smtp'] = `smtp://${starttls}`;
      if (implicitTls) listeners['smtps'] = `smtps://${implicitTls}`;
      if (starttls) process.stdout.write(`signet smtp listening on smtp://${starttls} (STARTTLS)\n`);
      if (implicitTls) process.stdout.write(`signet smtp listening on smtps://${implicitTls} (implicit TLS)\n`);
      process.stdout.write(`signet smtp certificate SHA-256 ${service.tls.fingerprint} (${service.tls.source}: ${service.tls.certPath})\n`);
    }
    const tlsFiles = settings.tls;
    // SIGHUP always has a handler: without one Node's default ends the process (a `systemctl reload`
    // or a closed terminal would stop the server).
    if (!tlsFiles) process.on('SIGHUP', () => app.log.info('SIGHUP: no --tls-cert/--tls-key to reload'));
    if (tlsFiles) {
      // A renewed certificate (certbot's deploy hook, `systemctl reload`): read once, then given to the
      // API and SMTP listeners; connections already open keep theirs, new handshakes get the new one.
      process.on('SIGHUP', () => {
        let next: TlsMaterial;
        try {
          next = readTlsFiles(tlsFiles);
        } catch (err) {
          app.log.error({ err }, 'TLS certificate reload failed; the previous one stays');
          return;
        }
        try {
          setHttpsCertificate(app, next);
          smtp?.setTls(next);
        } catch (err) {
          // A key that does not match its certificate is refused by createSecureContext: nothing changed.
          app.log.error({ err }, 'TLS certificate reload failed; the previous one stays');
          return;
        }
        app.log.info({ fingerprint: next.fingerprint }, 'TLS certificate reloaded');
      });
    }
    const metricsAt = http.metricsListener;
    if (metricsAt) {
      metricsListener = await listening(`the metrics listener on ${metricsAt.host}:${metricsAt.port}`, () =>
        startMetricsListener(metrics, { token: http.metricsToken }, metricsAt),
      );
      process.stdout.write(`signet metrics on ${metricsListener.url}\n`);
      listeners['metrics'] = metricsListener.url;
    }
    const address = await listening(`the SES API on ${config.host}:${config.port}`, () => app.listen({ host: config.host, port: config.port }));
    listeningAt = address;
    listeners['api'] = address;
  } catch (err) {
    metricsListener?.close();
    await smtp?.close();
    await app.close();
    await dkim?.close();
    await signet.close();
    throw err;
  }
  dkim.startDetection();
  signet.delivery!.start();
  app.log.info({ address: listeningAt, dataDir: config.dataDir, keyBits: config.keyBits }, 'signet serving the SES API');
  // Printed on stdout too, so scripts and tests can find the port when they asked for port 0.
  process.stdout.write(`signet listening on ${listeningAt}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // Drain: stop accepting, let requests under way finish, then close the store. SMTP sessions under
  // way finish or get 421; every message acknowledged was stored before its 250.
  await smtp?.close();
  await app.close();
  metricsListener?.close();
  await dkim.close();
  await signet.close();
  return 0;
}

function readTlsOrRefuse(files: TlsFiles): TlsMaterial {
  try {
    return readTlsFiles(files);
  } catch (err) {
    throw new ConfigError(`cannot read --tls-cert/--tls-key: ${(err as Error).message}`);
  }
}

/** Binds a listener; a failure to bind becomes one line naming the address (exit 253, nothing served). */
async function listening<T>(what: string, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      EADDRINUSE: 'the address is already in use',
      EADDRNOTAVAIL: 'the address is not available on this machine',
      EACCES: 'permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)',
      ENOTFOUND: 'the host name does not resolve',
      EAI_AGAIN: 'the host name does not resolve',
    };
    if (code !== undefined && why[code]) throw new ConfigError(`cannot listen: ${what}: ${why[code]} (${code})`);
    throw err;
  }
}
