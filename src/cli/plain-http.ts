import type { Socket } from 'node:net';
import { TransportError, type WireRequest, type WireResponse } from './transport.ts';

/**
 * One HTTP/1.1 POST over a plain TCP socket, for `http://` endpoints. Not node:http because loading
 * it (its parser binding, agents, and outgoing/incoming message classes) costs several ms of a
 * start-up budget of about 90, and the command line sends one request per connection and reads one
 * response: a status line, headers, and a body framed by Content-Length, chunked encoding or the
 * end of the connection. https:// keeps node:https (./http-transport.ts), which TLS needs anyway.
 *
 * Errors read as the HTTP transport's: any socket failure is "Could not connect", and the timeouts
 * are botocore's connect and read timeouts.
 */
export async function postPlainHttp(req: WireRequest, connectTimeout: number | null, readTimeout: number | null): Promise<WireResponse> {
  const { connect } = process.getBuiltinModule?.('node:net') ?? (await import('node:net'));
  const url = req.url;
  const shown = url.href;
  const body = Buffer.from(req.body, 'utf8');
  const method = req.method ?? 'POST';
  const lines = [`${method} ${url.pathname + url.search || '/'} HTTP/1.1`];
  const names = new Set(Object.keys(req.headers).map((k) => k.toLowerCase()));
  if (!names.has('host')) lines.push(`Host: ${url.host}`);
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  // As urllib3 frames them: a GET without a body has no Content-Length (DELETE says 0).
  if (body.length > 0 || method !== 'GET') lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

  return new Promise<WireResponse>((resolve, reject) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const socket: Socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) });
    const done = (err: TransportError | null, res?: WireResponse) => {
      if (settled) return;
      settled = true;
      if (connectTimer) clearTimeout(connectTimer);
      socket.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    if (connectTimeout !== null) {
      connectTimer = setTimeout(() => done(new TransportError(`Connect timeout on endpoint URL: "${shown}"`, true)), connectTimeout * 1000);
    }
    socket.once('connect', () => {
      if (connectTimer) clearTimeout(connectTimer);
      if (readTimeout !== null) socket.setTimeout(readTimeout * 1000, () => done(new TransportError(`Read timeout on endpoint URL: "${shown}"`, true)));
      // Not end(): a server may take a half-closed connection for an abandoned request.
      socket.write(Buffer.concat([head, body]));
    });
    const reader = new ResponseReader();
    socket.on('data', (chunk: Buffer) => {
      try {
        const res = reader.push(chunk);
        if (res) done(null, res);
      } catch {
        done(new TransportError(`Could not connect to the endpoint URL: "${shown}"`, true));
      }
    });
    socket.on('end', () => {
      const res = reader.finish();
      done(res ? null : new TransportError(`Could not connect to the endpoint URL: "${shown}"`, true), res ?? undefined);
    });
    socket.on('error', () => done(new TransportError(`Could not connect to the endpoint URL: "${shown}"`, true)));
  });
}

/** Incremental parser of one HTTP/1.1 response (1xx interim responses skipped). */
export class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  private head: { status: number; reason: string; length: number | null; chunked: boolean; bodyless: boolean; headers: Record<string, string> } | null = null;

  /** Feeds bytes; returns the response once it is complete. Throws on a malformed response. */
  push(chunk: Buffer): WireResponse | null {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.head === null) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end === -1) return null;
        const [statusLine, ...headerLines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine ?? '');
        if (!m) throw new Error('malformed status line');
        const status = Number(m[1]);
        this.buffer = this.buffer.subarray(end + 4);
        if (status >= 100 && status < 200) continue;
        const headers: Record<string, string> = {};
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = headers['content-length'];
        this.head = {
          status,
          reason: m[2] ?? '',
          length: length === undefined ? null : Number(length),
          chunked: /\bchunked\b/i.test(headers['transfer-encoding'] ?? ''),
          bodyless: status === 204 || status === 304,
          headers,
        };
      }
      return this.complete(false);
    }
  }

  /** The connection ended: a body framed by the end of the connection is complete now. */
  finish(): WireResponse | null {
    if (this.head === null) return null;
    try {
      return this.complete(true);
    } catch {
      return null;
    }
  }

  private complete(atEnd: boolean): WireResponse | null {
    const h = this.head!;
    const respond = (body: Buffer): WireResponse => ({ status: h.status, reason: h.reason, body, headers: h.headers });
    if (h.bodyless) return respond(Buffer.alloc(0));
    if (h.chunked) {
      const parts: Buffer[] = [];
      let at = 0;
      for (;;) {
        const eol = this.buffer.indexOf('\r\n', at);
        if (eol === -1) return null;
        const size = parseInt(this.buffer.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
        if (Number.isNaN(size)) throw new Error('malformed chunk size');
        if (size === 0) return respond(Buffer.concat(parts));
        if (this.buffer.length < eol + 2 + size + 2) return null;
        parts.push(this.buffer.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
    }
    if (h.length !== null) return this.buffer.length >= h.length ? respond(this.buffer.subarray(0, h.length)) : null;
    return atEnd ? respond(this.buffer) : null;
  }
}
