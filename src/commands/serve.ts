import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { ConfigError, serveConfig } from '../config/config.ts';
import { DKIM_OPTIONS, DKIM_USAGE, dkimFlagsFrom, dkimServiceConfig } from '../config/dkim-config.ts';
import { SEND_OPTIONS, SEND_USAGE, sendConfig, sendValuesFrom } from '../config/send-config.ts';
import { SMTP_OPTIONS, SMTP_USAGE, smtpConfig, smtpValuesFrom } from '../config/smtp-config.ts';
import { HTTP_OPTIONS, HTTP_USAGE, httpConfig } from '../config/http-config.ts';
import { tlsFilesConfig } from '../config/tls-config.ts';
import { stringOption, type Command } from './command.ts';

export const SERVE_USAGE = `usage: signet serve [--host 127.0.0.1] [--port 8580] [--data-dir DIR | --database postgres://...] [--key-bits 2048|1024]
                    [--key-pool-size N (30; dev: 3)] [--log-level info]
                    [--throttle-rate 1] [--throttle-burst 1] [--no-throttle | --throttle (dev: off unless given)]
                    [--regions us-east-1,eu-west-1,... (the AWS commercial regions)]
                    [--auto-verify none|emails|all (dev: emails; production: none only)] [--sandbox (dev only)]
${DKIM_USAGE}
${SEND_USAGE}
${HTTP_USAGE}
${SMTP_USAGE}

  --dev suits a test suite: no throttling of identity calls or sends (--throttle turns SES's limits on);
  --auto-verify emails (an address is Success at once; all: a new domain's DKIM CNAMEs are also put in
  the sandbox zone, so it is Success at the first check; none: SES's lifecycle); the dev account sends
  anywhere (--sandbox: SES's sandbox, only to verified identities and the mailbox simulator).
  Outside --dev, accounts made by signet admin create-account start in the sandbox
  (signet admin grant-production-access --account-id ID takes one out).
  --tls-cert/--tls-key (PEM): the API is served over HTTPS and the SMTP interface presents the same
  certificate; both are read again on SIGHUP (open connections are kept). Without them the API is plain HTTP.`;

/** `signet serve`: parses its flags into settings once, then runs the server (src/main/server.ts) until stopped. */
export const serveCommand: Command = {
  path: ['serve'],
  summary: 'serve the SES API over HTTP, the key zone over DNS, detection and sending',
  usage: SERVE_USAGE,
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
    throttle: { type: 'boolean' },
    regions: { type: 'string' },
    'auto-verify': { type: 'string' },
    sandbox: { type: 'boolean' },
    ...DKIM_OPTIONS,
    ...SEND_OPTIONS,
    ...SMTP_OPTIONS,
    ...HTTP_OPTIONS,
  },
  async run(args, env) {
    const values = args.values as Record<string, never>;
    const dkim = dkimServiceConfig(dkimFlagsFrom(values), env, availableParallelism());
    const config = serveConfig(
      {
        host: stringOption(args, 'host'),
        port: stringOption(args, 'port'),
        dataDir: stringOption(args, 'data-dir'),
        database: stringOption(args, 'database'),
        keyBits: stringOption(args, 'key-bits'),
        keyPoolSize: stringOption(args, 'key-pool-size'),
        logLevel: stringOption(args, 'log-level'),
        throttleRate: stringOption(args, 'throttle-rate'),
        throttleBurst: stringOption(args, 'throttle-burst'),
        noThrottle: args.values['no-throttle'] === true,
        throttle: args.values['throttle'] === true,
        regions: stringOption(args, 'regions'),
        autoVerify: stringOption(args, 'auto-verify'),
        sandbox: args.values['sandbox'] === true,
      },
      env,
      availableParallelism(),
      dkim.dev,
    );
    // Dev mode verifies no signature, so it must never be reachable from another machine.
    if (dkim.dev && !isLoopback(config.host)) {
      throw new ConfigError(`--dev accepts any credentials, so it serves loopback addresses only, not ${config.host}`);
    }
    const sendValues = sendValuesFrom(values);
    // Dev mode enforces no sending rate unless asked (--throttle, --max-send-rate), as for the identity operations.
    const sending = {
      ...sendConfig(sendValues, env),
      sendRateLimited: !dkim.dev || config.throttle !== null || (sendValues['max-send-rate'] ?? env['SIGNET_MAX_SEND_RATE']) !== undefined,
    };
    const smtp = smtpConfig(smtpValuesFrom(values), env);
    const http = httpConfig(values, env);
    // --tls-cert/--tls-key: the API over HTTPS and SMTP's certificate, both from the same files.
    const tls = tlsFilesConfig(smtpValuesFrom(values), env);
    const { runServer } = await import('../main/server.ts');
    return { output: { kind: 'none' }, exitCode: await runServer({ config, dkim, sending, smtp, http, tls }) };
  },
};

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}
