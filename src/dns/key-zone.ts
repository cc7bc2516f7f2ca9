import { canonicalDnsName, DEFAULT_KEY_TTL_S } from '../core/index.ts';

/** The served key zone: its name and what its apex says about itself (RFC 1035 §3.3.13 SOA, §3.3.11 NS). */
export interface KeyZone {
  /** Canonical name (lower case, no trailing dot), e.g. `dkim.amazonses.com`. */
  readonly name: string;
  /** Name servers of the zone, as the apex NS records list them. */
  readonly nameservers: readonly string[];
  /** Mailbox of the zone's administrator in domain-name form (`hostmaster.<zone>`). */
  readonly hostmaster: string;
  readonly serial: number;
  /** TTL of key records and of the apex records. */
  readonly ttl: number;
  /** SOA MINIMUM: how long resolvers cache NXDOMAIN and NODATA (RFC 2308 §4). */
  readonly negativeTtl: number;
}

export interface KeyZoneOptions {
  readonly nameservers?: readonly string[];
  readonly ttl?: number;
  readonly negativeTtl?: number;
  readonly serial?: number;
}

/**
 * A key zone with the usual defaults. The serial given here is the time in seconds; the server and
 * `signet dns export` replace it with the change sequence (withLiveSerial, serialOf), which every node
 * on one store agrees on and which grows with every change, as zone transfers need.
 */
export function keyZone(name: string, options: KeyZoneOptions = {}, nowMs = Date.now()): KeyZone {
  const zone = canonicalDnsName(name);
  return {
    name: zone,
    nameservers: (options.nameservers?.length ? options.nameservers : [`ns1.${zone}`]).map(canonicalDnsName),
    hostmaster: `hostmaster.${zone}`,
    serial: options.serial ?? Math.floor(nowMs / 1000) >>> 0,
    ttl: options.ttl ?? DEFAULT_KEY_TTL_S,
    negativeTtl: options.negativeTtl ?? 300,
  };
}

/**
 * The zone with a serial read when asked: the SOA that queries get follows the change sequence of
 * the zone in memory, so a secondary that asks after a NOTIFY sees the new serial.
 */
export function withLiveSerial(zone: KeyZone, serial: () => number): KeyZone {
  return {
    name: zone.name,
    nameservers: zone.nameservers,
    hostmaster: zone.hostmaster,
    get serial() {
      return serial();
    },
    ttl: zone.ttl,
    negativeTtl: zone.negativeTtl,
  };
}
