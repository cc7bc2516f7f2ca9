import { promises as dns } from 'node:dns';
import type { DnsLookup, DnsLookupError } from '../core/index.ts';
import type { Resolver } from '../app/detection-ports.ts';

export interface NodeResolverOptions {
  /** `ip` or `ip:port` (`[v6]:port`); empty: the system's resolvers (/etc/resolv.conf). */
  readonly servers: readonly string[];
  /** Per-try timeout (c-ares doubles it on each retry). */
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/** node:dns (c-ares) error codes, translated once into the domain's lookup errors. */
const ERRORS: Readonly<Record<string, DnsLookupError>> = {
  [dns.NOTFOUND]: 'NXDOMAIN',
  [dns.NODATA]: 'NODATA',
  [dns.SERVFAIL]: 'SERVFAIL',
  [dns.REFUSED]: 'REFUSED',
  [dns.TIMEOUT]: 'TIMEOUT',
  [dns.CONNREFUSED]: 'UNREACHABLE',
};

function failure(err: unknown): DnsLookup {
  const code = (err as { code?: string }).code ?? 'unknown';
  return { ok: false, error: ERRORS[code] ?? 'ERROR', detail: code };
}

/** The detection resolver over node:dns, asking the configured servers (`--resolver`). */
export function createNodeResolver(options: NodeResolverOptions): Resolver {
  const resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return {
    async cname(name) {
      try {
        return { ok: true, values: await resolver.resolveCname(name) };
      } catch (err) {
        return failure(err);
      }
    },
    async txt(name) {
      try {
        // Each TXT record's character-strings are one value, joined without separator (RFC 7208 §3.3).
        return { ok: true, values: (await resolver.resolveTxt(name)).map((strings) => strings.join('')) };
      } catch (err) {
        return failure(err);
      }
    },
  };
}

/** `--resolver ip[:port]` values checked and put in the form node:dns's setServers takes. */
export function parseResolverAddress(text: string): string {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(text);
  const bare6 = /^[0-9a-fA-F:]+$/.test(text) && text.includes(':') ? text : null;
  const port = (v6?.[2] ?? v4?.[2]) !== undefined ? Number(v6?.[2] ?? v4?.[2]) : null;
  if (port !== null && (port < 1 || port > 65535)) throw new RangeError(`invalid resolver port in ${text}`);
  if (v4) return port === null ? v4[1]! : `${v4[1]}:${port}`;
  if (v6) return port === null ? v6[1]! : `[${v6[1]}]:${port}`;
  if (bare6) return bare6;
  throw new RangeError(`a resolver is an IP address with an optional port (ip[:port]), not ${JSON.stringify(text)}`);
}
