import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { RelayTransport } from './relay-worker.ts';

/** Where and how to reach the SMTP relay (`--smtp-relay smtp://host:port` and its TLS and auth options). */
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

/**
 * The relay through nodemailer's SMTP transport, with a small connection pool. The stored bytes are
 * sent as they are (`raw`): nodemailer adds no header to a raw message, so the relay receives exactly
 * what was signed and kept.
 */
export function createSmtpRelayTransport(config: SmtpRelayConfig): RelayTransport {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.starttls === 'require',
    ignoreTLS: config.starttls === 'never',
    tls: {
      rejectUnauthorized: config.verifyCertificate,
      ...(config.caFile ? { ca: readFileSync(config.caFile) } : {}),
    },
    ...(config.auth ? { auth: { user: config.auth.user, pass: config.auth.pass } } : {}),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs * 3,
  });
  return {
    async send(envelope, raw) {
      await transport.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw });
    },
    close() {
      transport.close();
    },
  };
}
