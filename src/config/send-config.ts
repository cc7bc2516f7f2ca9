import { ConfigError, type Env } from './config.ts';
import { parseDuration } from './dkim-config.ts';

export interface SmtpRelayConfig {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (`smtps://`, port 465 style, RFC 8314). */
  readonly secure: boolean;
  /** STARTTLS: `require` refuses a relay that does not offer it; `never` does not try it. */
  readonly starttls: 'opportunistic' | 'require' | 'never';
  /** Verify the relay's certificate (off only for test relays with self-signed certificates). */
  readonly verifyCertificate: boolean;
  /** A CA bundle file to verify the relay's certificate with. */
  readonly caFile: string | undefined;
  readonly auth: { readonly user: string; readonly pass: string } | null;
  readonly timeoutMs: number;
}

export interface RetryPolicy {
  /** Delay before the second attempt; it doubles each time. */
  readonly baseMs: number;
  readonly maxDelayMs: number;
  /** Attempts before the message is marked failed. */
  readonly maxAttempts: number;
}

/** Where the operator's own signature comes from: `--platform-domain`, `--platform-selector`, `--platform-key-file`. */
export interface PlatformSignatureConfig {
  readonly domain: string;
  readonly selector: string;
  readonly keyFile: string;
}

/** Sending settings: quotas, the signing promise, the outbox, the relay, address verification. */
export interface SendConfig {
  /** Max24HourSend (-1: unlimited). SES's sandbox default is 200. */
  readonly max24HourSend: number;
  /** MaxSendRate in messages per second. SES's sandbox default is 1. */
  readonly maxSendRate: number;
  /**
   * Whether MaxSendRate is enforced: always outside `--dev`; in `--dev` only with `--throttle` or an
   * explicit `--max-send-rate` (a test suite sends back to back, as it calls the identity operations).
   */
  readonly sendRateLimited: boolean;
  readonly unsignable: 'refuse' | 'send-unsigned';
  /** Host part of the Message-ID header Signet sets; null: the composition root picks (the key zone). */
  readonly messageIdDomain: string | null;
  readonly outboxRetentionMs: number;
  /** Serve LocalStack's `/_aws/ses` (always on in --dev). */
  readonly outboxApi: boolean;
  /** Base of the verification link; null: the address the server listens on. */
  readonly publicUrl: string | null;
  readonly verificationFrom: string | null;
  readonly relay: SmtpRelayConfig | null;
  readonly retry: RetryPolicy;
  readonly deliveryPollMs: number;
  /** The operator's second DKIM signature on every message; the key file is read when sending is composed. */
  readonly platform: PlatformSignatureConfig | null;
}

export const SEND_OPTIONS = {
  'max-send-rate': { type: 'string' },
  'max-24-hour-send': { type: 'string' },
  unsignable: { type: 'string' },
  'message-id-domain': { type: 'string' },
  'outbox-retention': { type: 'string' },
  'outbox-api': { type: 'boolean' },
  'public-url': { type: 'string' },
  'verification-from': { type: 'string' },
  'smtp-relay': { type: 'string' },
  'smtp-relay-starttls': { type: 'string' },
  'smtp-relay-insecure': { type: 'boolean' },
  'smtp-relay-ca': { type: 'string' },
  'smtp-relay-user': { type: 'string' },
  'smtp-relay-timeout': { type: 'string' },
  'smtp-relay-retry-base': { type: 'string' },
  'smtp-relay-retry-max': { type: 'string' },
  'smtp-relay-max-attempts': { type: 'string' },
  'delivery-poll': { type: 'string' },
  'platform-domain': { type: 'string' },
  'platform-selector': { type: 'string' },
  'platform-key-file': { type: 'string' },
} as const;

export const SEND_USAGE = `                    [--max-send-rate 1] [--max-24-hour-send 200|-1] [--unsignable refuse|send-unsigned]
                    [--message-id-domain NAME] [--outbox-retention 7d] [--outbox-api] [--public-url URL]
                    [--verification-from ADDRESS] [--smtp-relay smtp[s]://[user:pass@]host:port]
                    [--smtp-relay-starttls opportunistic|require|never] [--smtp-relay-insecure]
                    [--smtp-relay-ca FILE] [--smtp-relay-user USER] (password: SIGNET_SMTP_RELAY_PASSWORD)
                    [--smtp-relay-timeout 30s] [--smtp-relay-retry-base 30s] [--smtp-relay-retry-max 15m]
                    [--smtp-relay-max-attempts 20] [--delivery-poll 1s]
                    [--platform-domain DOMAIN --platform-selector SELECTOR --platform-key-file PEM]`;

type SendValues = { [K in keyof typeof SEND_OPTIONS]?: (typeof SEND_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function number(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || (value < min && value !== -1))
    throw new ConfigError(`${name} must be a number of at least ${min} (or -1), not ${JSON.stringify(text)}`);
  return value;
}

function relayConfig(values: SendValues, env: Env): SmtpRelayConfig | null {
  const text = values['smtp-relay'] ?? env['SIGNET_SMTP_RELAY'];
  if (text === undefined || text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--smtp-relay must be a URL such as smtp://host:587, not ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError(`--smtp-relay must use smtp:// or smtps://, not ${url.protocol}`);
  const secure = url.protocol === 'smtps:';
  const starttls = values['smtp-relay-starttls'] ?? 'opportunistic';
  if (starttls !== 'opportunistic' && starttls !== 'require' && starttls !== 'never') {
    throw new ConfigError(`--smtp-relay-starttls must be opportunistic, require or never, not ${JSON.stringify(starttls)}`);
  }
  const user = values['smtp-relay-user'] ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const pass = env['SIGNET_SMTP_RELAY_PASSWORD'] ?? (url.password ? decodeURIComponent(url.password) : undefined);
  if ((user === undefined) !== (pass === undefined)) {
    throw new ConfigError('--smtp-relay authentication needs both a user and a password (SIGNET_SMTP_RELAY_PASSWORD)');
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
    starttls,
    verifyCertificate: values['smtp-relay-insecure'] !== true,
    caFile: values['smtp-relay-ca'],
    auth: user !== undefined && pass !== undefined ? { user, pass } : null,
    timeoutMs: parseDuration('--smtp-relay-timeout', values['smtp-relay-timeout'], 30_000),
  };
}

// RFC 6376 §3.1: a selector is a sub-domain (dot-separated labels); a d= domain is a domain name of
// at least two LDH labels (RFC 1123 §2.1). Checked here so that a typo fails at start, not in DNS.
const LDH_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SELECTOR = new RegExp(`^${LDH_LABEL}(?:\\.${LDH_LABEL})*$`, 'i');
const DOMAIN = new RegExp(`^${LDH_LABEL}(?:\\.${LDH_LABEL})+$`, 'i');

/** `--platform-domain`, `--platform-selector` and `--platform-key-file`: all three, or none. */
function platformConfig(values: SendValues): PlatformSignatureConfig | null {
  const given = {
    '--platform-domain': values['platform-domain'],
    '--platform-selector': values['platform-selector'],
    '--platform-key-file': values['platform-key-file'],
  };
  const missing = Object.entries(given)
    .filter(([, v]) => v === undefined || v === '')
    .map(([k]) => k);
  if (missing.length === 3) return null;
  if (missing.length > 0) {
    throw new ConfigError(
      `the platform DKIM signature needs --platform-domain, --platform-selector and --platform-key-file together; missing ${missing.join(', ')}`,
    );
  }
  const domain = given['--platform-domain']!.replace(/\.$/, '').toLowerCase();
  const selector = given['--platform-selector']!.toLowerCase();
  if (domain.length > 253 || !DOMAIN.test(domain))
    throw new ConfigError(`--platform-domain must be a domain name such as mail.example.com, not ${JSON.stringify(given['--platform-domain'])}`);
  if (!SELECTOR.test(selector) || `${selector}._domainkey.${domain}`.length > 253) {
    throw new ConfigError(`--platform-selector must be a DNS name such as signet1 (RFC 6376 §3.1), not ${JSON.stringify(given['--platform-selector'])}`);
  }
  return { domain, selector, keyFile: given['--platform-key-file']! };
}

/** Defaults for a composition that only keeps messages (the command line's in-process path). */
export const DEFAULT_SEND_CONFIG: SendConfig = sendConfig({}, {});

export function sendConfig(values: SendValues, env: Env): SendConfig {
  const unsignable = values.unsignable ?? env['SIGNET_UNSIGNABLE'] ?? 'refuse';
  if (unsignable !== 'refuse' && unsignable !== 'send-unsigned') {
    throw new ConfigError(`--unsignable must be refuse or send-unsigned, not ${JSON.stringify(unsignable)}`);
  }
  const maxSendRate = number('--max-send-rate', values['max-send-rate'] ?? env['SIGNET_MAX_SEND_RATE'], 1, 0.001);
  if (maxSendRate === -1) throw new ConfigError('--max-send-rate must be positive');
  const maxAttempts = number('--smtp-relay-max-attempts', values['smtp-relay-max-attempts'], 20, 1);
  return {
    max24HourSend: number('--max-24-hour-send', values['max-24-hour-send'] ?? env['SIGNET_MAX_24_HOUR_SEND'], 200, 0),
    maxSendRate,
    sendRateLimited: true,
    unsignable,
    messageIdDomain: values['message-id-domain'] ?? null,
    outboxRetentionMs: parseDuration('--outbox-retention', values['outbox-retention'] ?? env['SIGNET_OUTBOX_RETENTION'], 7 * 86_400_000),
    outboxApi: values['outbox-api'] === true,
    publicUrl: values['public-url'] ?? env['SIGNET_PUBLIC_URL'] ?? null,
    verificationFrom: values['verification-from'] ?? null,
    relay: relayConfig(values, env),
    retry: {
      baseMs: parseDuration('--smtp-relay-retry-base', values['smtp-relay-retry-base'], 30_000),
      maxDelayMs: parseDuration('--smtp-relay-retry-max', values['smtp-relay-retry-max'], 15 * 60_000),
      maxAttempts: maxAttempts === -1 ? 20 : Math.floor(maxAttempts),
    },
    deliveryPollMs: parseDuration('--delivery-poll', values['delivery-poll'], 1000),
    platform: platformConfig(values),
  };
}

export function sendValuesFrom(values: Record<string, unknown>): SendValues {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SEND_OPTIONS)) if (values[key] !== undefined) out[key] = values[key];
  return out as SendValues;
}
