import {
  canonicalDnsName,
  DEFAULT_KEY_RETENTION_MS,
  DEFAULT_DETECTION_POLICY,
  DEFAULT_MAIL_FROM_EXPECTATION,
  type DetectionPolicy,
  type MailFromExpectation,
} from '../core/index.ts';
import { ConfigError, type Env } from './config.ts';

/** DNS response-rate limiting (src/dns/response-rate-limiter.ts), outside dev mode. */
/** NSD's default `rrl-ratelimit` (200/s per source prefix and answer): invisible to any resolver's real traffic. */
export const DEFAULT_RRL_RATE = 200;
/** NSD's and BIND's default slip: half the dropped answers come back truncated, so real clients get through over TCP. */
export const DEFAULT_RRL_SLIP = 2;

/** Dev mode: how often a pending identity is checked, and how often the worker looks for due checks. */
const DEV_CHECK_INTERVAL_MS = 1000;
const DEV_CHECK_POLL_MS = 250;

/** SES's own key zone: in `--dev` it is the default, so applications that hard-code it work unchanged. */
export const SES_DKIM_ZONE = 'dkim.amazonses.com';

/** Settings of the key zone, its DNS server and the detection worker, normalized once. */
export interface DkimServiceConfig {
  /** Canonical name of the zone that publishes `TOKEN.<zone>`. */
  readonly zone: string;
  readonly dev: boolean;
  readonly dnsHost: string;
  readonly dnsPort: number;
  /**
   * Processes answering UDP queries on the one socket: this one, and `dnsWorkers - 1` forked workers
   * with their own copy of the key zone (the rate of one Node process is bound by its per-packet
   * cost; NSD's server-count plays the same part).
   */
  readonly dnsWorkers: number;
  /**
   * Keys each DNS process keeps in memory at most (`--dns-cache-keys`); a key not among them is read
   * from the store when asked. About 760 bytes of resident memory each: the bound on the zone cache's
   * memory, per process.
   */
  readonly dnsCacheKeys: number;
  /**
   * `--dns-key-reads`: how a DNS process reads a key that is not in memory on SQLite. `thread` (the
   * default): in a thread of its own, batched, while the event loop answers from memory; `inline`: at
   * once on the event loop, which waits for it (see KeyZoneCacheOptions.readMissesNow). PostgreSQL's
   * reads are asynchronous either way.
   */
  readonly dnsKeyReads: DnsKeyReads;
  /**
   * UDP answered through the batch socket (recvmmsg and sendmmsg, src/dns/batch-udp-socket.ts) where
   * it is built and one process answers; `SIGNET_UDP_BATCH=0`: Node's dgram.
   */
  readonly dnsUdpBatch: boolean;
  /**
   * DNS response-rate limiting over UDP (src/dns/response-rate-limiter.ts): answers per second per
   * source prefix and answer (0: off; default NSD's 200, off in dev), and the slip.
   */
  readonly dnsRrl: { readonly ratePerSecond: number; readonly slip: number };
  /** Apex NS names; default `ns1.<zone>`. */
  readonly nameservers: readonly string[];
  /** `ip[:port]` of the detection resolvers; empty: the system's. */
  readonly resolvers: readonly string[];
  readonly resolverTimeoutMs: number;
  readonly detection: boolean;
  readonly policy: DetectionPolicy;
  readonly pollMs: number;
  readonly batchSize: number;
  /** What a custom MAIL FROM domain must publish: MX to the feedback host, SPF including a domain. */
  readonly mailFrom: MailFromExpectation;
  /**
   * The signing-key ring (issue 16): how long a retired key stays published after its last signature
   * (`--key-retention`, default 4 days), and the scheduled rotation (`--key-rotation-interval`, off
   * unless given; SES offers none).
   */
  readonly keyRing: { readonly retentionMs: number; readonly intervalMs: number | null };
  /** Signet as a hidden primary of the key zone (src/dns/zone-transfer.ts, zone-notifier.ts). */
  readonly transfers: TransferConfig;
}

/** Zone transfers and NOTIFY, as given; the DNS layer reads the keys and checks the addresses. */
export interface TransferConfig {
  /** `NAME:BASE64SECRET` TSIG keys (HMAC-SHA256), from `--tsig-key`. */
  readonly tsigKeys: readonly string[];
  /** Files of TSIG keys (`NAME:SECRET` lines or BIND's `key` clauses), kept off the command line. */
  readonly tsigKeyFiles: readonly string[];
  /** Addresses and CIDR blocks allowed to transfer the zone (`--xfr-allow`). */
  readonly allow: readonly string[];
  /** `HOST:PORT` of the secondaries to NOTIFY on every change (`--notify`). */
  readonly notify: readonly string[];
  /**
   * The least time between two NOTIFY rounds (`--notify-delay`, BIND's notify-delay); null: the DNS
   * layer's default (dns/zone-notifier.ts NOTIFY_MIN_INTERVAL_MS, 500 ms, says why).
   */
  readonly notifyDelayMs: number | null;
}

export interface DkimFlags {
  readonly dkimZone?: string | undefined;
  readonly dev?: boolean | undefined;
  readonly dnsHost?: string | undefined;
  readonly dnsPort?: string | undefined;
  readonly dnsWorkers?: string | undefined;
  readonly dnsCacheKeys?: string | undefined;
  readonly dnsKeyReads?: string | undefined;
  readonly dnsRrlRate?: string | undefined;
  readonly dnsRrlSlip?: string | undefined;
  readonly dnsNs?: readonly string[] | undefined;
  readonly tsigKey?: readonly string[] | undefined;
  readonly tsigKeyFile?: readonly string[] | undefined;
  readonly xfrAllow?: readonly string[] | undefined;
  readonly notify?: readonly string[] | undefined;
  readonly notifyDelay?: string | undefined;
  readonly resolver?: readonly string[] | undefined;
  readonly resolverTimeout?: string | undefined;
  readonly noDetection?: boolean | undefined;
  readonly detectionWindow?: string | undefined;
  readonly detectionGrace?: string | undefined;
  readonly checkInterval?: string | undefined;
  readonly checkIntervalMax?: string | undefined;
  readonly recheckInterval?: string | undefined;
  readonly checkPoll?: string | undefined;
  readonly mailFromMx?: string | undefined;
  readonly mailFromSpf?: string | undefined;
  readonly keyRotationInterval?: string | undefined;
  readonly keyRetention?: string | undefined;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `72h`, `15m`, `60s`, `500ms`, `3d`; a bare number is seconds. */
export function parseDuration(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined || text === '') return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new ConfigError(`${name} must be a duration such as 72h, 15m, 60s or 500ms, not ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  if (!(ms > 0) || ms > 10 * 365 * 86_400_000) throw new ConfigError(`${name} is out of range: ${JSON.stringify(text)}`);
  return Math.round(ms);
}

/** A count of processes: a number from 1 to 64, or `auto` (the CPUs Node may use). */
function parseWorkers(text: string | undefined, cpus: number): number {
  if (text === undefined || text === '') return 1;
  if (text === 'auto') return Math.max(1, Math.min(64, cpus));
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 64) throw new ConfigError(`--dns-workers must be auto or 1 to 64, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** See DkimServiceConfig.dnsKeyReads. */
export type DnsKeyReads = 'thread' | 'inline';

function parseKeyReads(text: string | undefined): DnsKeyReads {
  if (text === undefined || text === '' || text === 'thread') return 'thread';
  if (text === 'inline') return 'inline';
  throw new ConfigError(`--dns-key-reads must be thread or inline, not ${JSON.stringify(text)}`);
}

/** Keys a DNS process keeps in memory by default: about 40 MB (see DkimServiceConfig.dnsCacheKeys). */
export const DEFAULT_DNS_CACHE_KEYS = 50_000;

/**
 * At most 10 million keys a process (about 7.6 GB): the cache's LRU lists (lru-cache) allocate their
 * slots when made, about 16 bytes a key each for the keys and for the doorkeeper's tokens, so a
 * bound far beyond the machine would exhaust the heap at start before a key is kept.
 */
const MAX_DNS_CACHE_KEYS = 10_000_000;

function parseCacheKeys(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_DNS_CACHE_KEYS;
  // At least one: lru-cache refuses a bound of 0 (and a key not kept is answered anyway).
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DNS_CACHE_KEYS) {
    throw new ConfigError(`--dns-cache-keys must be 1 to ${MAX_DNS_CACHE_KEYS}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new ConfigError(`--dns-port must be 0 to 65535, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** A whole number from 0 to `max`, or the fallback when not given. */
function parseCount(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new ConfigError(`${name} must be 0 to ${max}, not ${JSON.stringify(text)}`);
  return Number(text);
}

const ZONE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The key zone: flag, then `SIGNET_DKIM_ZONE`, then SES's zone in dev mode; required otherwise. */
export function dkimZoneFrom(flag: string | undefined, env: Env, dev: boolean): string {
  const given = flag ?? env['SIGNET_DKIM_ZONE'];
  if (given === undefined || given === '') {
    if (dev) return SES_DKIM_ZONE;
    throw new ConfigError(
      'the DKIM key zone is required: --dkim-zone ZONE or SIGNET_DKIM_ZONE (the zone whose TOKEN.<zone> names publish the keys; in --dev it defaults to dkim.amazonses.com)',
    );
  }
  const zone = canonicalDnsName(given);
  if (!ZONE.test(zone)) throw new ConfigError(`--dkim-zone must be a domain name, not ${JSON.stringify(given)}`);
  return zone;
}

/**
 * A host name of the MAIL FROM settings: `--mail-from-mx` may hold `{region}` (SES's feedback hosts
 * are per region: `feedback-smtp.us-east-1.amazonses.com`), replaced by the identity's region.
 */
function mailFromHost(name: string, given: string | undefined, fallback: string, template: boolean): string {
  if (given === undefined || given === '') return fallback;
  const host = canonicalDnsName(given);
  const probe = template ? host.replaceAll('{region}', 'us-east-1') : host;
  if (!ZONE.test(probe)) {
    throw new ConfigError(`${name} must be a host name${template ? " (`{region}` stands for the identity's region)" : ''}, not ${JSON.stringify(given)}`);
  }
  return host;
}

function isDev(flags: DkimFlags, env: Env): boolean {
  return flags.dev === true || env['SIGNET_DEV'] === '1' || env['SIGNET_DEV'] === 'true';
}

export function dkimServiceConfig(flags: DkimFlags, env: Env, cpus = 1): DkimServiceConfig {
  const dev = isDev(flags, env);
  const envResolvers = (env['SIGNET_RESOLVERS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Dev mode checks pending identities about every second, so that records a test publishes count at
  // once; SES's cadence (a minute at first, backing off to 15) is the production default.
  const defaults = dev
    ? { ...DEFAULT_DETECTION_POLICY, firstIntervalMs: DEV_CHECK_INTERVAL_MS, maxIntervalMs: DEV_CHECK_INTERVAL_MS }
    : DEFAULT_DETECTION_POLICY;
  return {
    zone: dkimZoneFrom(flags.dkimZone, env, dev),
    dev,
    dnsHost: flags.dnsHost ?? env['SIGNET_DNS_HOST'] ?? '127.0.0.1',
    dnsPort: parsePort(flags.dnsPort ?? env['SIGNET_DNS_PORT'], 8553),
    dnsWorkers: parseWorkers(flags.dnsWorkers ?? env['SIGNET_DNS_WORKERS'], cpus),
    dnsCacheKeys: parseCacheKeys(flags.dnsCacheKeys ?? env['SIGNET_DNS_CACHE_KEYS']),
    dnsKeyReads: parseKeyReads(flags.dnsKeyReads ?? env['SIGNET_DNS_KEY_READS']),
    dnsUdpBatch: env['SIGNET_UDP_BATCH'] !== '0',
    // Dev mode serves tests and one machine, whose bursts from one address must all be answered.
    dnsRrl: {
      ratePerSecond: parseCount('--dns-rrl-rate', flags.dnsRrlRate ?? env['SIGNET_DNS_RRL_RATE'], dev ? 0 : DEFAULT_RRL_RATE, 1_000_000),
      slip: parseCount('--dns-rrl-slip', flags.dnsRrlSlip ?? env['SIGNET_DNS_RRL_SLIP'], DEFAULT_RRL_SLIP, 10),
    },
    nameservers: (flags.dnsNs ?? []).map(canonicalDnsName),
    resolvers: flags.resolver && flags.resolver.length > 0 ? flags.resolver : envResolvers,
    resolverTimeoutMs: parseDuration('--resolver-timeout', flags.resolverTimeout, 2000),
    detection: flags.noDetection !== true,
    policy: {
      windowMs: parseDuration('--detection-window', flags.detectionWindow, defaults.windowMs),
      graceMs: parseDuration('--detection-grace', flags.detectionGrace, defaults.graceMs),
      firstIntervalMs: parseDuration('--check-interval', flags.checkInterval, defaults.firstIntervalMs),
      firstPhaseMs: defaults.firstPhaseMs,
      maxIntervalMs: parseDuration('--check-interval-max', flags.checkIntervalMax, defaults.maxIntervalMs),
      recheckIntervalMs: parseDuration('--recheck-interval', flags.recheckInterval, defaults.recheckIntervalMs),
    },
    pollMs: parseDuration('--check-poll', flags.checkPoll, dev ? DEV_CHECK_POLL_MS : 1000),
    batchSize: 200,
    mailFrom: {
      mxHost: mailFromHost('--mail-from-mx', flags.mailFromMx ?? env['SIGNET_MAIL_FROM_MX'], DEFAULT_MAIL_FROM_EXPECTATION.mxHost, true),
      spfInclude: mailFromHost('--mail-from-spf', flags.mailFromSpf ?? env['SIGNET_MAIL_FROM_SPF'], DEFAULT_MAIL_FROM_EXPECTATION.spfInclude, false),
    },
    keyRing: {
      retentionMs: parseDuration('--key-retention', flags.keyRetention ?? env['SIGNET_KEY_RETENTION'], DEFAULT_KEY_RETENTION_MS),
      intervalMs: keyRotationInterval(flags.keyRotationInterval ?? env['SIGNET_KEY_ROTATION_INTERVAL']),
    },
    transfers: transferConfig(flags, env),
  };
}

/** Comma-separated lists, from repeated flags or else one environment variable. */
function listOf(values: readonly string[] | undefined, fallback: string | undefined): string[] {
  return (values && values.length > 0 ? values : fallback ? [fallback] : [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function transferConfig(flags: DkimFlags, env: Env): TransferConfig {
  const tsigKeys = listOf(flags.tsigKey, env['SIGNET_TSIG_KEY']);
  for (const key of tsigKeys) {
    if (!/^(hmac-sha256:)?[A-Za-z0-9._-]+:[A-Za-z0-9+/=]+$/.test(key)) throw new ConfigError('--tsig-key must be NAME:BASE64SECRET (HMAC-SHA256)');
  }
  const notify = listOf(flags.notify, env['SIGNET_NOTIFY']);
  for (const target of notify) {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[^:\s]+)(:\d{1,5})?$/.test(target)) throw new ConfigError(`--notify takes HOST:PORT, not ${JSON.stringify(target)}`);
  }
  return {
    tsigKeys,
    tsigKeyFiles: listOf(flags.tsigKeyFile, env['SIGNET_TSIG_KEY_FILE']),
    allow: listOf(flags.xfrAllow, env['SIGNET_XFR_ALLOW']),
    notify,
    notifyDelayMs: notifyDelay(flags.notifyDelay ?? env['SIGNET_NOTIFY_DELAY']),
  };
}

/**
 * `--notify-delay`: a duration up to an hour, or null for the default. Longer would leave secondaries
 * to their SOA refresh timer (RFC 1996 is there so that they need not wait for it).
 */
function notifyDelay(text: string | undefined): number | null {
  if (text === undefined || text === '') return null;
  const ms = parseDuration('--notify-delay', text, 0);
  if (ms > 3_600_000) throw new ConfigError(`--notify-delay is at most 1h, not ${JSON.stringify(text)}`);
  return ms;
}

/** `--key-rotation-interval`: off unless given (`off` and `0` say so explicitly). */
function keyRotationInterval(text: string | undefined): number | null {
  if (text === undefined || text === '' || text === 'off' || text === '0') return null;
  return parseDuration('--key-rotation-interval', text, 0);
}

/** The options `signet serve` and the dkim/dns commands accept for all this, for node:util parseArgs. */
export const DKIM_OPTIONS = {
  'dkim-zone': { type: 'string' },
  dev: { type: 'boolean' },
  'dns-host': { type: 'string' },
  'dns-port': { type: 'string' },
  'dns-workers': { type: 'string' },
  'dns-cache-keys': { type: 'string' },
  'dns-key-reads': { type: 'string' },
  'dns-rrl-rate': { type: 'string' },
  'dns-rrl-slip': { type: 'string' },
  'dns-ns': { type: 'string', multiple: true },
  'tsig-key': { type: 'string', multiple: true },
  'tsig-key-file': { type: 'string', multiple: true },
  'xfr-allow': { type: 'string', multiple: true },
  notify: { type: 'string', multiple: true },
  'notify-delay': { type: 'string' },
  resolver: { type: 'string', multiple: true },
  'resolver-timeout': { type: 'string' },
  'no-detection': { type: 'boolean' },
  'detection-window': { type: 'string' },
  'detection-grace': { type: 'string' },
  'check-interval': { type: 'string' },
  'check-interval-max': { type: 'string' },
  'recheck-interval': { type: 'string' },
  'check-poll': { type: 'string' },
  'mail-from-mx': { type: 'string' },
  'mail-from-spf': { type: 'string' },
  'key-rotation-interval': { type: 'string' },
  'key-retention': { type: 'string' },
} as const;

type DkimOptionValues = {
  [K in keyof typeof DKIM_OPTIONS]?: (typeof DKIM_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof DKIM_OPTIONS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

/** parseArgs values of DKIM_OPTIONS as DkimFlags. */
export function dkimFlagsFrom(values: DkimOptionValues): DkimFlags {
  return {
    dkimZone: values['dkim-zone'],
    dev: values.dev,
    dnsHost: values['dns-host'],
    dnsPort: values['dns-port'],
    dnsWorkers: values['dns-workers'],
    dnsCacheKeys: values['dns-cache-keys'],
    dnsKeyReads: values['dns-key-reads'],
    dnsRrlRate: values['dns-rrl-rate'],
    dnsRrlSlip: values['dns-rrl-slip'],
    dnsNs: values['dns-ns'],
    tsigKey: values['tsig-key'],
    tsigKeyFile: values['tsig-key-file'],
    xfrAllow: values['xfr-allow'],
    notify: values.notify,
    notifyDelay: values['notify-delay'],
    resolver: values.resolver,
    resolverTimeout: values['resolver-timeout'],
    noDetection: values['no-detection'],
    detectionWindow: values['detection-window'],
    detectionGrace: values['detection-grace'],
    checkInterval: values['check-interval'],
    checkIntervalMax: values['check-interval-max'],
    recheckInterval: values['recheck-interval'],
    checkPoll: values['check-poll'],
    mailFromMx: values['mail-from-mx'],
    mailFromSpf: values['mail-from-spf'],
    keyRotationInterval: values['key-rotation-interval'],
    keyRetention: values['key-retention'],
  };
}

export const DKIM_USAGE = `                    [--dkim-zone ZONE] [--dev] [--dns-host 127.0.0.1] [--dns-port 8553] [--dns-workers 1|N|auto] [--dns-ns NAME]...
                    [--dns-cache-keys 50000] [--dns-key-reads thread|inline]
                    [--dns-rrl-rate 200 (dev: 0 = off)] [--dns-rrl-slip 2]
                    [--tsig-key NAME:BASE64SECRET]... [--tsig-key-file FILE]... [--xfr-allow CIDR,...]... [--notify HOST:PORT,...]... [--notify-delay 500ms]
                      (hidden primary: AXFR/IXFR over TCP to --xfr-allow addresses signing with a --tsig-key
                       (HMAC-SHA256); NOTIFY, signed, to every --notify secondary on each change, rounds at
                       least --notify-delay apart; docs/secondaries.md)
                    [--resolver IP[:PORT]]... [--resolver-timeout 2s] [--no-detection]
                    [--detection-window 72h] [--detection-grace 72h] [--check-interval 60s (dev: 1s)]
                    [--check-interval-max 15m (dev: 1s)] [--recheck-interval 1h] [--check-poll 1s (dev: 250ms)]
                    [--mail-from-mx feedback-smtp.{region}.amazonses.com] [--mail-from-spf amazonses.com]
                    [--key-rotation-interval off|90d] [--key-retention 4d]`;
