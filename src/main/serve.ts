import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createHttpServer } from '../api/http-server.ts';
import { serveConfig, type Env } from '../config/config.ts';
import { openEmbedded } from './embedded.ts';

export const SERVE_USAGE = `usage: signet serve [--host 127.0.0.1] [--port 8580] [--data-dir DIR] [--key-bits 2048|1024]
                    [--key-pool-size N] [--log-level info]`;

/** `signet serve`: the SES API over HTTP on the embedded store, with the key pool refilling beside it. */
export async function serve(argv: readonly string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'key-bits': { type: 'string' },
      'key-pool-size': { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const config = serveConfig(
    {
      host: values.host,
      port: values.port,
      dataDir: values['data-dir'],
      keyBits: values['key-bits'],
      keyPoolSize: values['key-pool-size'],
      logLevel: values['log-level'],
    },
    env,
    availableParallelism(),
  );
  const app = createHttpServer({ handler: async (r) => embedded.handler(r), logger: { level: config.logLevel } });
  const embedded = await openEmbedded(config, {
    poolTarget: config.keyPoolSize,
    poolConcurrency: config.keyPoolConcurrency,
    onInternalError: (err, requestId) => app.log.error({ err, requestId }, 'internal error'),
    onKeyPoolError: (err) => app.log.error({ err }, 'key generation failed'),
  });
  embedded.keyPool.start();
  const address = await app.listen({ host: config.host, port: config.port });
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
  await embedded.close();
  return 0;
}
