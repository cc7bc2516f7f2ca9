import { ConfigError, type Env } from './config.ts';
import { parseDuration } from './dkim-config.ts';
import { tlsFilesConfig, type TlsFiles } from './tls-config.ts';

/** What `signet serve` decides about SMTP (read from flags in config/smtp-config.ts). */
export interface SmtpServiceSettings {
  /** STARTTLS port; null: that listener is off. 0 picks a free port. */
  readonly starttlsPort: number | null;
  /** Implicit TLS port; null: off. */
  readonly tlsPort: number | null;
  /** PEM files (reloaded on SIGHUP); null: a self-signed certificate kept in the data folder. */
  readonly tlsFiles: TlsFiles | null;
  /** Greeting and certificate name. */
  readonly hostname: string;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

/**
 * SES's SMTP interface in `signet serve`: on by default, like the API it mirrors, on STARTTLS 2587
 * (SES also serves 25 and 587) and implicit TLS 2465 (SES: 465), on the `--host` address.
 */
export type SmtpConfig = SmtpServiceSettings;

export const SMTP_OPTIONS = {
  'smtp-port': { type: 'string' },
  'smtps-port': { type: 'string' },
  'no-smtp': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'smtp-hostname': { type: 'string' },
  'smtp-idle-timeout': { type: 'string' },
  'smtp-max-connections': { type: 'string' },
  'smtp-max-connections-per-address': { type: 'string' },
} as const;

export const SMTP_USAGE = `                    [--smtp-port 2587|0|-1] [--smtps-port 2465|0|-1] [--no-smtp] [--tls-cert PEM --tls-key PEM]
                    [--smtp-hostname NAME] [--smtp-idle-timeout 10s] [--smtp-max-connections 256]
                    [--smtp-max-connections-per-address 32]`;

type SmtpValues = { [K in keyof typeof SMTP_OPTIONS]?: (typeof SMTP_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export function smtpValuesFrom(values: Record<string, unknown>): SmtpValues {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SMTP_OPTIONS)) if (values[key] !== undefined) out[key] = values[key];
  return out as SmtpValues;
}

/** A port: 0 picks a free one, -1 switches the listener off. */
function port(name: string, text: string | undefined, fallback: number): number | null {
  if (text === undefined || text === '') return fallback;
  if (text === '-1') return null;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new ConfigError(`${name} must be a port from 0 to 65535, or -1 for none, not ${JSON.stringify(text)}`);
  return Number(text);
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100000)
    throw new ConfigError(`${name} must be a number from 1 to 100000, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** Null when SMTP is off (`--no-smtp`, or both ports -1). */
export function smtpConfig(values: SmtpValues, env: Env): SmtpConfig | null {
  if (values['no-smtp'] === true || env['SIGNET_SMTP'] === 'off') return null;
  const starttlsPort = port('--smtp-port', values['smtp-port'] ?? env['SIGNET_SMTP_PORT'], 2587);
  const tlsPort = port('--smtps-port', values['smtps-port'] ?? env['SIGNET_SMTPS_PORT'], 2465);
  if (starttlsPort === null && tlsPort === null) return null;
  return {
    starttlsPort,
    tlsPort,
    tlsFiles: tlsFilesConfig(values, env),
    hostname: values['smtp-hostname'] ?? env['SIGNET_SMTP_HOSTNAME'] ?? 'localhost',
    // SES: "The connection automatically closes after about 10 seconds of inactivity".
    idleTimeoutMs: parseDuration('--smtp-idle-timeout', values['smtp-idle-timeout'], 10_000),
    maxConnections: count('--smtp-max-connections', values['smtp-max-connections'], 256),
    maxConnectionsPerAddress: count('--smtp-max-connections-per-address', values['smtp-max-connections-per-address'], 32),
  };
}
