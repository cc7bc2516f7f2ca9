import { ConfigError, type Env } from './config.ts';

/** `--tls-cert` / `--tls-key`: PEM files, read at start and again on SIGHUP. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * One certificate for every listener that speaks TLS (issue 19, item 1): the HTTPS API and SES's SMTP
 * interface present the same files, as SES's endpoints present one name's certificate. Null when not
 * given: the API stays plain HTTP (loopback, dev, or behind a TLS-terminating proxy) and SMTP makes a
 * self-signed certificate of its own.
 */
export function tlsFilesConfig(values: { readonly 'tls-cert'?: string | undefined; readonly 'tls-key'?: string | undefined }, env: Env): TlsFiles | null {
  const certFile = values['tls-cert'] ?? env['SIGNET_TLS_CERT'];
  const keyFile = values['tls-key'] ?? env['SIGNET_TLS_KEY'];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  return certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : null;
}
