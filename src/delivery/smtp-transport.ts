import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { SmtpRelayConfig } from '../config/send-config.ts';
import type { RelayTransport } from './relay-worker.ts';

/** Where and how to reach the SMTP relay (`--smtp-relay smtp://host:port` and its TLS and auth options). */

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
