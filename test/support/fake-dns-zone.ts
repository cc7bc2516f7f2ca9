import { promises as dns } from 'node:dns';
import { resolverOver, type DnsChannel } from '../../src/dns/node-resolver.ts';
import type { Resolver } from '../../src/app/detection-ports.ts';

/** Failures a real resolver reports, with node:dns's codes (c-ares ARES_* as Node names them). */
export type FakeDnsFailure = typeof dns.SERVFAIL | typeof dns.TIMEOUT | typeof dns.REFUSED | typeof dns.CONNREFUSED;

interface Node {
  cname: string | null;
  /** Each record's character-strings, as node:dns's resolveTxt returns them. */
  txt: string[][];
  mx: { priority: number; exchange: string }[];
}

/** How many CNAMEs a TXT lookup follows before it gives up (recursive resolvers stop a loop with SERVFAIL). */
const MAX_CHAIN = 8;

/** DNS names match case-insensitively (RFC 4343 §3); a trailing dot is not part of the name. */
function key(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * A DNS zone in memory that answers the lookups the detection resolver makes the way node:dns
 * does against a recursive resolver, so that the real error translation (src/dns/node-resolver.ts,
 * `resolverOver`) runs on it:
 * - `resolveCname(name)`: the CNAME at the name only (no chasing), else `ENODATA` when the name
 *   exists (holds other records, or is an empty non-terminal: RFC 8020 §2), else `ENOTFOUND` (NXDOMAIN);
 * - `resolveTxt(name)`: follows a CNAME chain as a recursive resolver does (RFC 1034 §3.6.2) and
 *   answers the TXT records at its end, each as its list of character-strings; `ENOTFOUND` when the
 *   chain ends at a name that does not exist; at one without TXT `ENODATA`, or an empty list when a
 *   CNAME led there (c-ares's answer to a reply holding only the CNAME); `ESERVFAIL` on a loop;
 * - `resolveMx(name)`: the same for MX records (custom MAIL FROM domains);
 * - a failure set on a name (`fail`) is reported by every lookup that reaches it, chains included.
 * Errors carry `code`, `syscall` (`queryCname`, `queryTxt`) and `hostname`, as node:dns's do.
 */
export class FakeDnsZone implements DnsChannel {
  readonly #nodes = new Map<string, Node>();
  readonly #failures = new Map<string, FakeDnsFailure>();
  /** Every lookup asked, in order (`CNAME name` / `TXT name`), for tests that count queries. */
  readonly queries: string[] = [];

  #node(name: string): Node {
    let node = this.#nodes.get(key(name));
    if (!node) {
      node = { cname: null, txt: [], mx: [] };
      this.#nodes.set(key(name), node);
    }
    return node;
  }

  /** Publishes `name CNAME target`; a CNAME excludes other data at the name (RFC 1034 §3.6.2). */
  cname(name: string, target: string): this {
    const node = this.#node(name);
    node.cname = target;
    node.txt = [];
    node.mx = [];
    return this;
  }

  /** Adds one TXT record; an array is a record of several character-strings (RFC 1035 §3.3.14). */
  txt(name: string, value: string | readonly string[]): this {
    const node = this.#node(name);
    if (node.cname !== null) throw new Error(`${name} is a CNAME: it can hold no other data (RFC 1034 §3.6.2)`);
    node.txt.push(typeof value === 'string' ? [value] : [...value]);
    return this;
  }

  /** Adds one MX record (RFC 1035 §3.3.9). */
  mx(name: string, priority: number, exchange: string): this {
    const node = this.#node(name);
    if (node.cname !== null) throw new Error(`${name} is a CNAME: it can hold no other data (RFC 1034 §3.6.2)`);
    node.mx.push({ priority, exchange });
    return this;
  }

  /** Removes every record at the name. */
  remove(name: string): this {
    this.#nodes.delete(key(name));
    return this;
  }

  /** From now on lookups reaching `name` fail with `code` (until `heal`). */
  fail(name: string, code: FakeDnsFailure): this {
    this.#failures.set(key(name), code);
    return this;
  }

  heal(name: string): this {
    this.#failures.delete(key(name));
    return this;
  }

  async resolveCname(name: string): Promise<string[]> {
    this.queries.push(`CNAME ${name}`);
    this.#check('queryCname', name);
    const node = this.#nodes.get(key(name));
    if (node?.cname) return [node.cname];
    throw this.#error('queryCname', name, this.#exists(name) ? dns.NODATA : dns.NOTFOUND);
  }

  async resolveTxt(name: string): Promise<string[][]> {
    this.queries.push(`TXT ${name}`);
    let at = name;
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      this.#check('queryTxt', name, at);
      const node = this.#nodes.get(key(at));
      if (node?.cname) {
        at = node.cname;
        continue;
      }
      if (node && node.txt.length > 0) return node.txt.map((strings) => [...strings]);
      // c-ares answers an empty list, not ENODATA, when the reply held a CNAME but no TXT
      // (test/fake-dns-zone.test.ts shows node:dns doing so).
      if (hop > 0 && this.#exists(at)) return [];
      throw this.#error('queryTxt', name, this.#exists(at) ? dns.NODATA : dns.NOTFOUND);
    }
    throw this.#error('queryTxt', name, dns.SERVFAIL);
  }

  /** MX records, following a CNAME chain as resolveTxt does; ENODATA at a name without MX. */
  async resolveMx(name: string): Promise<{ priority: number; exchange: string }[]> {
    this.queries.push(`MX ${name}`);
    let at = name;
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      this.#check('queryMx', name, at);
      const node = this.#nodes.get(key(at));
      if (node?.cname) {
        at = node.cname;
        continue;
      }
      if (node && node.mx.length > 0) return node.mx.map((r) => ({ ...r }));
      if (hop > 0 && this.#exists(at)) return [];
      throw this.#error('queryMx', name, this.#exists(at) ? dns.NODATA : dns.NOTFOUND);
    }
    throw this.#error('queryMx', name, dns.SERVFAIL);
  }

  /** A name exists when it holds records or has names beneath it (an empty non-terminal). */
  #exists(name: string): boolean {
    const k = key(name);
    if (this.#nodes.has(k)) return true;
    for (const other of this.#nodes.keys()) if (other.endsWith(`.${k}`)) return true;
    return false;
  }

  #check(syscall: string, asked: string, at = asked): void {
    const failure = this.#failures.get(key(at));
    if (failure !== undefined) throw this.#error(syscall, asked, failure);
  }

  #error(syscall: string, hostname: string, code: string): Error {
    // node:dns's own message shape: "queryTxt ENOTFOUND name".
    return Object.assign(new Error(`${syscall} ${code} ${hostname}`), { code, syscall, hostname, errno: undefined });
  }
}

/** The detection Resolver port over a fake zone, through the production error translation. */
export function fakeResolver(zone: FakeDnsZone): Resolver {
  return resolverOver(zone);
}
