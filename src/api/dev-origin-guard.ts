import { isIP } from 'node:net';

/**
 * `signet serve --dev` accepts any credentials and serves test controls (the clock, the outbox), so a
 * web page the developer opens must not reach it (issue 14, finding 9):
 * - DNS rebinding: a page at attacker.example whose name is re-pointed at 127.0.0.1 sends requests
 *   the browser considers same-origin, with `Host: attacker.example`. Only loopback host names are
 *   answered, whatever the port.
 * - Cross-origin form posts (no preflight for a form) carry an `Origin` header naming the page; a
 *   state-changing request whose Origin is not this server's own is refused. SDKs and the CLI send no
 *   Origin, so they are unaffected.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  let name: string;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return false;
    name = host.slice(1, close);
    const rest = host.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return false;
    return name === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(name) || name === '0:0:0:0:0:0:0:1';
  }
  const colon = host.indexOf(':');
  name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
  if (colon !== -1 && !/^\d{1,5}$/.test(host.slice(colon + 1))) return false;
  if (name === 'localhost' || name === 'localhost.') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Null when the request may go on, else the status and the text to answer with. */
export function devRequestRefusal(
  method: string,
  headers: { host?: string | undefined; origin?: string | undefined },
): { status: number; text: string } | null {
  if (!isLoopbackHostHeader(headers.host)) {
    return {
      status: 403,
      text: `signet --dev answers only requests addressed to a loopback host name (localhost, 127.0.0.1, [::1]), not Host: ${JSON.stringify((headers.host ?? '').slice(0, 100))}; this refuses DNS rebinding.`,
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && !SAFE_METHODS.has(method) && origin !== `http://${headers.host}`) {
    return {
      status: 403,
      text: `signet --dev refuses state-changing requests from another origin (Origin: ${JSON.stringify(origin.slice(0, 100))}); SDKs and the CLI send no Origin header.`,
    };
  }
  return null;
}
