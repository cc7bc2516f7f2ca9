/**
 * The outcome of one DNS lookup as the domain sees it: the records found, or why there are none.
 * Resolver adapters translate their platform's error codes into these once (node:dns's ENOTFOUND,
 * ENODATA, ESERVFAIL, ETIMEOUT...), so the lifecycle and the diagnostics never see a platform code.
 */
export type DnsLookupError =
  /** RFC 1035 §4.1.1 RCODE 3: the name does not exist. A definite answer. */
  | 'NXDOMAIN'
  /** RFC 2308 §2.2: the name exists, but holds no record of the asked type. A definite answer. */
  | 'NODATA'
  /** RCODE 2: the server could not answer (broken delegation, DNSSEC failure...). No verdict possible. */
  | 'SERVFAIL'
  /** RCODE 5: the server declined to answer. No verdict possible. */
  | 'REFUSED'
  /** No answer in time. No verdict possible. */
  | 'TIMEOUT'
  /** The resolver could not be reached at all (connection refused, network down). */
  | 'UNREACHABLE'
  /** Any other failure (malformed reply, FORMERR...). No verdict possible. */
  | 'ERROR';

export type DnsLookup =
  | { readonly ok: true; readonly values: readonly string[] }
  | { readonly ok: false; readonly error: DnsLookupError; readonly detail?: string };

/** NXDOMAIN and NODATA are answers (the record is not there); every other error leaves the question open. */
export function isDefiniteAbsence(error: DnsLookupError): boolean {
  return error === 'NXDOMAIN' || error === 'NODATA';
}

/** DNS names compare case-insensitively (RFC 4343 §3) and an absolute name's trailing dot is not part of it. */
export function canonicalDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** True when `name` is `zone` itself or lies beneath it. Both in canonical form. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
