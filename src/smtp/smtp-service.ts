import type { AppContext } from '../app/context.ts';
import type { SmtpServiceSettings } from '../config/smtp-config.ts';

export type { SmtpServiceSettings } from '../config/smtp-config.ts';
import type { SmtpAuthenticator } from './smtp-authenticator.ts';
import { SMTP_MAX_MESSAGE_BYTES, startSmtpListener, type SmtpListener, type SmtpLog } from './smtp-listener.ts';
import { SES_SMTP_REGIONS } from './smtp-password.ts';
import { readTlsFiles, selfSignedTls, type TlsMaterial } from './tls-material.ts';

export interface SmtpService {
  readonly listener: SmtpListener;
  readonly tls: TlsMaterial;
  /**
   * Reads --tls-cert/--tls-key again (SIGHUP); a file that fails to load leaves the old certificate.
   * Null without files: the self-signed certificate stays as it is.
   */
  reloadTls(): TlsMaterial | Error | null;
  /** A certificate read elsewhere (SIGHUP in `signet serve`, which reloads the API's at the same time). */
  setTls(material: TlsMaterial): void;
  close(): Promise<void>;
}

/** The regions an SMTP password may be derived for: SES's SMTP regions and the server's own. */
export function smtpRegions(defaultRegion: string): string[] {
  return [...new Set([...SES_SMTP_REGIONS, defaultRegion])];
}

/** The TLS material, then the listeners: everything the SMTP interface needs, from its settings. */
export async function startSmtpService(deps: {
  readonly ctx: AppContext;
  readonly authenticator: SmtpAuthenticator;
  readonly settings: SmtpServiceSettings;
  readonly host: string;
  readonly dataDir: string;
  readonly log: SmtpLog;
  /** The files' certificate already read for the HTTPS API: one read, one certificate for both. */
  readonly tls?: TlsMaterial;
  readonly onMessage?: (outcome: 'accepted' | 'rejected') => void;
}): Promise<SmtpService> {
  const { settings } = deps;
  let tls = deps.tls ?? (settings.tlsFiles ? readTlsFiles(settings.tlsFiles) : await selfSignedTls(deps.dataDir, settings.hostname));
  const listener = await startSmtpListener({
    ctx: deps.ctx,
    authenticator: deps.authenticator,
    tls,
    log: deps.log,
    ...(deps.onMessage ? { onMessage: deps.onMessage } : {}),
    config: {
      host: deps.host,
      starttlsPort: settings.starttlsPort,
      tlsPort: settings.tlsPort,
      hostname: settings.hostname,
      maxConnections: settings.maxConnections,
      maxConnectionsPerAddress: settings.maxConnectionsPerAddress,
      idleTimeoutMs: settings.idleTimeoutMs,
      maxMessageBytes: SMTP_MAX_MESSAGE_BYTES,
      shutdownGraceMs: 5000,
    },
  });
  return {
    listener,
    get tls() {
      return tls;
    },
    setTls(material) {
      tls = material;
      listener.setTls(material);
    },
    reloadTls() {
      if (!settings.tlsFiles) return null;
      try {
        tls = readTlsFiles(settings.tlsFiles);
      } catch (err) {
        return err as Error;
      }
      listener.setTls(tls);
      return tls;
    },
    close: () => listener.close(),
  };
}
