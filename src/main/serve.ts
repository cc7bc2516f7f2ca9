import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { bootstrapAccount } from '../app/accounts.ts';
import { createHttpServer } from '../api/http-server.ts';
import { createApiMetrics } from '../api/metrics.ts';
import { ConfigError } from '../config/config.ts';
import { writeCredentialsFile } from './credentials-file.ts';
import { serveConfig, type Env } from '../config/config.ts';
import { DKIM_OPTIONS, DKIM_USAGE, dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { startDkimServices } from './dkim-services.ts';
import { openEmbedded } from './embedded.ts';
import { SEND_OPTIONS, SEND_USAGE, sendConfig, sendValuesFrom } from '../config/send-config.ts';
import { registerOutboxRoutes, registerVerifyEmailRoute } from '../api/outbox-routes.ts';
import { confirmEmailVerification } from '../app/send-verification-email.ts';
import { createSendMetrics } from '../delivery/send-metrics.ts';

export const SERVE_USAGE = `usage: signet serve [--host 127.0.0.1] [--port 8580] [--data-dir DIR | --database postgres://...] [--key-bits 2048|1024]
                    [--key-pool-size N] [--log-level info]
                    [--throttle-rate 1] [--throttle-burst 1] [--no-throttle]
${DKIM_USAGE}
${SEND_USAGE}`;

/** `signet serve`: the SES API over HTTP on the embedded store, with the key pool refilling beside it. */
export async function serve(argv: readonly string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      database: { type: 'string' },
      'key-bits': { type: 'string' },
      'key-pool-size': { type: 'string' },
      'log-level': { type: 'string' },
      'throttle-rate': { type: 'string' },
      'throttle-burst': { type: 'string' },
      'no-throttle': { type: 'boolean' },
      ...DKIM_OPTIONS,
      ...SEND_OPTIONS,
    },
    strict: true,
    allowPositionals: false,
  });
  const config = serveConfig(
    {
      host: values.host,
      port: values.port,
      dataDir: values['data-dir'],
      database: values.database,
      keyBits: values['key-bits'],
      keyPoolSize: values['key-pool-size'],
      logLevel: values['log-level'],
      throttleRate: values['throttle-rate'],
      throttleBurst: values['throttle-burst'],
      noThrottle: values['no-throttle'],
    },
    env,
    availableParallelism(),
  );
  const dkimConfig = dkimServiceConfig(dkimFlagsFrom(values), env, availableParallelism());
  // Dev mode verifies no signature, so it must never be reachable from another machine.
  if (dkimConfig.dev && !isLoopback(config.host)) {
    throw new ConfigError(`--dev accepts any credentials, so it serves loopback addresses only, not ${config.host}`);
  }
  const sending = sendConfig(sendValuesFrom(values), env);
  const metrics = createApiMetrics({
    get size() {
      return embedded.keyPool.size;
    },
    get generated() {
      return embedded.keyPool.generated;
    },
  });
  const sendMetrics = createSendMetrics(metrics.registry);
  let listeningAt = `http://${config.host}:${config.port}`;
  const app = createHttpServer({ handler: async (r) => embedded.handler(r), logger: { level: config.logLevel }, metrics });
  const embedded = await openEmbedded(config, {
    poolTarget: config.keyPoolSize,
    poolConcurrency: config.keyPoolConcurrency,
    auth: dkimConfig.dev ? 'dev' : 'sigv4',
    throttle: config.throttle,
    keyZone: dkimConfig.zone,
    onInternalError: (err, requestId) => app.log.error({ err, requestId }, 'internal error'),
    onKeyPoolError: (err) => app.log.error({ err }, 'key generation failed'),
    send: {
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
      onDelivered: (messageId) => {
        sendMetrics.delivery('delivered');
        app.log.info({ messageId }, 'delivered to the relay');
      },
      onAttemptFailed: (messageId, err, willRetry) => {
        sendMetrics.delivery(willRetry ? 'retry' : 'failed');
        app.log.warn({ messageId, error: (err as Error).message, willRetry }, 'relay delivery failed');
      },
      onDeliveryError: (err) => app.log.error({ err }, 'delivery worker failed'),
    },
  });
  if (sending.platform) {
    // Names only: the key itself is never logged.
    app.log.info({ domain: sending.platform.domain, selector: sending.platform.selector }, 'platform DKIM signature added to every message');
  }
  if (dkimConfig.dev || sending.outboxApi) registerOutboxRoutes(app, embedded.outbox);
  registerVerifyEmailRoute(app, (token) => confirmEmailVerification(embedded.ctx, token));
  embedded.keyPool.start();
  const created = await bootstrapAccount(embedded.accounts);
  if (created) {
    const file = writeCredentialsFile(config.dataDir, created.accessKeyId, created.secretAccessKey, config.defaultRegion);
    // Shown once, on the terminal of whoever started the server; never logged.
    process.stdout.write(
      `signet created account ${created.accountId} with access key ${created.accessKeyId}\n` +
        `  secret access key: ${created.secretAccessKey}\n` +
        `  saved as profile [signet] in ${file}: AWS_SHARED_CREDENTIALS_FILE=${file} aws --profile signet ses ...\n`,
    );
  }
  if (dkimConfig.dev) {
    process.stdout.write(
      'signet DEV MODE: any well-formed credentials are accepted as account 000000000000; signatures are not checked. For local testing only.\n',
    );
  }
  const dkim = await startDkimServices({
    core: config,
    dkim: dkimConfig,
    embedded,
    app,
    onError: (err, what) => app.log.error({ err }, `${what} failed`),
  });
  const udpProcesses = dkimConfig.dnsWorkers > 1 ? ` in ${dkimConfig.dnsWorkers} processes` : '';
  process.stdout.write(`signet dns listening on ${dkim.dns.host}:${dkim.dns.port} (udp${udpProcesses}, tcp) for ${dkimConfig.zone}\n`);
  const address = await app.listen({ host: config.host, port: config.port });
  listeningAt = address;
  embedded.delivery.start();
  app.log.info({ address, dataDir: config.dataDir, keyBits: config.keyBits }, 'signet serving the SES API');
  // Printed on stdout too, so scripts and tests can find the port when they asked for port 0.
  process.stdout.write(`signet listening on ${address}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // Drain: stop accepting, let requests under way finish, then close the store.
  await app.close();
  await dkim.close();
  await embedded.close();
  return 0;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}
