import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { TlsFiles } from '../config/tls-config.ts';

/** The certificate the SMTP listeners (and, from files, the HTTPS API) present, and where it came from. */
export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** SHA-256 fingerprint of the leaf certificate, `AA:BB:...`, for clients to pin a self-signed one. */
  readonly fingerprint: string;
  readonly source: 'files' | 'self-signed';
  /** Where the certificate is, for the start-up line. */
  readonly certPath: string;
}

export type { TlsFiles } from '../config/tls-config.ts';

function material(key: string, cert: string, source: TlsMaterial['source'], certPath: string): TlsMaterial {
  // Parsing here also refuses a file that is no certificate before any listener starts.
  const fingerprint = new X509Certificate(cert).fingerprint256;
  return { key, cert, fingerprint, source, certPath };
}

/** `--tls-cert` / `--tls-key`: read at start and again on SIGHUP (a renewed certificate, no restart). */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  return material(readFileSync(files.keyFile, 'utf8'), readFileSync(files.certFile, 'utf8'), 'files', files.certFile);
}

const SELF_SIGNED_DIR = 'smtp-tls';

/**
 * Without a certificate, one made once for this data folder and kept there, so that a client that
 * pinned its fingerprint keeps working across restarts. Node has no X.509 builder: the RSA key comes
 * from node:crypto, node-forge writes the certificate (valid for `hostname` and the loopback names,
 * ten years).
 */
export async function selfSignedTls(dataDir: string, hostname: string): Promise<TlsMaterial> {
  const dir = join(dataDir, SELF_SIGNED_DIR);
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  if (existsSync(keyPath) && existsSync(certPath)) {
    return material(readFileSync(keyPath, 'utf8'), readFileSync(certPath, 'utf8'), 'self-signed', certPath);
  }
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 10 * 365 * 86_400_000);
  const subject = [
    { name: 'commonName', value: hostname },
    { name: 'organizationName', value: 'Signet self-signed' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...[...new Set([hostname, 'localhost'])].map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Key first, certificate last, each through a rename: a crash leaves no certificate without its key.
  writeFileSync(`${keyPath}.tmp`, keyPem, { mode: 0o600 });
  renameSync(`${keyPath}.tmp`, keyPath);
  writeFileSync(`${certPath}.tmp`, certPem, { mode: 0o644 });
  renameSync(`${certPath}.tmp`, certPath);
  return material(keyPem, certPem, 'self-signed', certPath);
}
