import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { fs, path } from './builtins.ts';
import { postPlainHttp } from './plain-http.ts';
import { TransportError, type Transport, type WireRequest, type WireResponse } from './transport.ts';

export interface HttpTransportOptions {
  /** `--no-verify-ssl`: no certificate checks (a warning per request, as urllib3 prints). */
  readonly verifySsl: boolean;
  /** `--ca-bundle` / `AWS_CA_BUNDLE` / profile `ca_bundle`: used for https only. */
  readonly caBundle: string | undefined;
  readonly cwd: string;
  /** Seconds; null = no timeout (`0` on the command line). */
  readonly connectTimeout: number | null;
  readonly readTimeout: number | null;
  readonly warn: (message: string) => void;
}

/** Python ssl's wording for the certificate errors Node reports, so messages read the same. */
function sslReason(err: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
    SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to get local issuer certificate',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
    CERT_HAS_EXPIRED: 'certificate has expired',
    ERR_TLS_CERT_ALTNAME_INVALID: 'IP address mismatch',
  };
  const text = (err.code && known[err.code]) || err.message;
  return `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${text}`;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL|EPROTO/;

export class HttpTransport implements Transport {
  constructor(private readonly options: HttpTransportOptions) {}

  async send(req: WireRequest): Promise<WireResponse> {
    // Plain HTTP needs no node:http (see ./plain-http.ts); node:https pulls in TLS, so it is
    // loaded only for https endpoints.
    if (req.url.protocol !== 'https:') return postPlainHttp(req, this.options.connectTimeout, this.options.readTimeout);
    const [{ request }, { STATUS_CODES }] = await Promise.all([import('node:https'), import('node:http')]);
    return this.sendWith(req, request, STATUS_CODES);
  }

  /** https: node:https, for TLS and its certificate checks. */
  private sendWith(
    req: WireRequest,
    httpsRequest: typeof import('node:https').request,
    STATUS_CODES: Record<number, string | undefined>,
  ): Promise<WireResponse> {
    const url = req.url;
    const shown = url.href;
    let ca: Buffer | undefined;
    if (this.options.verifySsl && this.options.caBundle) {
      try {
        ca = fs.readFileSync(path.resolve(this.options.cwd, this.options.caBundle));
      } catch {
        return Promise.reject(new TransportError(`SSL validation failed for ${shown} [Errno 2] No such file or directory`, false));
      }
    }
    if (!this.options.verifySsl) {
      this.options.warn(
        `InsecureRequestWarning: Unverified HTTPS request is being made to host '${url.hostname}'. Adding certificate verification is strongly advised.`,
      );
    }
    const body = Buffer.from(req.body, 'utf8');
    const method = req.method ?? 'POST';
    const headers = body.length > 0 || method !== 'GET' ? { ...req.headers, 'Content-Length': String(body.length) } : { ...req.headers };
    return new Promise<WireResponse>((resolvePromise, reject) => {
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const done = (err: TransportError | null, res?: WireResponse) => {
        if (settled) return;
        settled = true;
        if (connectTimer) clearTimeout(connectTimer);
        if (err) reject(err);
        else resolvePromise(res!);
      };
      const options = {
        method,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: url.pathname + url.search,
        headers,
        agent: false as const,
        rejectUnauthorized: this.options.verifySsl,
        ...(ca ? { ca } : {}),
      };
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done(null, {
            status: res.statusCode ?? 0,
            reason: res.statusMessage || STATUS_CODES[res.statusCode ?? 0] || '',
            body: Buffer.concat(chunks),
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
          }),
        );
        res.on('error', () => done(new TransportError(`Read timeout on endpoint URL: "${shown}"`, true)));
      };
      const r: ClientRequest = httpsRequest(options, onResponse);
      const { connectTimeout, readTimeout } = this.options;
      if (connectTimeout !== null) {
        connectTimer = setTimeout(() => {
          done(new TransportError(`Connect timeout on endpoint URL: "${shown}"`, true));
          r.destroy();
        }, connectTimeout * 1000);
      }
      r.on('socket', (socket: Socket) => {
        const connected = () => {
          if (connectTimer) clearTimeout(connectTimer);
          if (readTimeout !== null) {
            socket.setTimeout(readTimeout * 1000, () => {
              done(new TransportError(`Read timeout on endpoint URL: "${shown}"`, true));
              r.destroy();
            });
          }
        };
        socket.once('secureConnect', connected);
      });
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code && TLS_CODES.test(err.code)) done(new TransportError(`SSL validation failed for ${shown} ${sslReason(err)}`, false));
        else done(new TransportError(`Could not connect to the endpoint URL: "${shown}"`, true));
      });
      r.end(body);
    });
  }
}
