import { homedir } from 'node:os';
import { LOCAL_ACCOUNT_ID } from '../core/account.ts';
import { AWS_COMMERCIAL_REGIONS, REGION_NAME } from '../core/regions.ts';
import { join, resolve } from 'node:path';

/** Settings shared by every entry point, normalized once and passed down explicitly. */
export interface CoreConfig {
  /** Folder of the embedded store and the master key file. */
  readonly dataDir: string;
  /** RSA modulus length of new DKIM keys: 2048 (default) or 1024. */
  readonly keyBits: 1024 | 2048;
  /** Master key from the environment, if given (else the data folder's key file). */
  readonly masterKey: string | undefined;
  /** The single account until accounts land (issue: accounts and SigV4). */
  readonly accountId: string;
  /** Region of requests without a credential scope (the embedded CLI path, unsigned calls). */
  readonly defaultRegion: string;
  /** The regions requests may be scoped to (`--regions` / SIGNET_REGIONS; the AWS commercial ones by default). */
  readonly regions: readonly string[];
  /** `postgres://...` to share state between nodes; null for the embedded SQLite store. */
  readonly databaseUrl: string | null;
}

export interface ServeConfig extends CoreConfig {
  readonly host: string;
  readonly port: number;
  /** Ready keys kept in the pool. */
  readonly keyPoolSize: number;
  readonly keyPoolConcurrency: number;
  readonly logLevel: string;
  /** Limits of the identity operations per account and region; null when switched off. */
  readonly throttle: { readonly ratePerSecond: number; readonly burst: number } | null;
  /**
   * `--auto-verify`: what new identities skip of SES's verification (dev only): `emails`, an address is
   * verified at once (LocalStack's behaviour); `all`, also a new domain's DNS records are put in the
   * dev sandbox zone, so the first check finds them. Production verifies everything: `none`.
   */
  readonly autoVerify: AutoVerify;
  /** `--sandbox` (dev only): the dev account sends as an account in SES's sandbox. */
  readonly sandbox: boolean;
}

export type AutoVerify = 'none' | 'emails' | 'all';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function defaultDataDir(env: Env): string {
  return env['SIGNET_DATA_DIR'] || join(env['HOME'] || homedir(), '.signet');
}

function parseKeyBits(text: string | undefined): 1024 | 2048 {
  if (text === undefined || text === '' || text === '2048') return 2048;
  if (text === '1024') return 1024;
  throw new ConfigError(`key bits must be 1024 or 2048, not ${JSON.stringify(text)}`);
}

function parseInteger(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `--regions a,b,c` / SIGNET_REGIONS: the regions served; the AWS commercial regions when not given. */
function parseRegions(text: string | undefined): readonly string[] {
  if (text === undefined || text.trim() === '') return AWS_COMMERCIAL_REGIONS;
  const regions = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (regions.length === 0 || regions.some((r) => !REGION_NAME.test(r))) {
    throw new ConfigError(`--regions must be region names separated by commas (us-east-1,eu-west-1), not ${JSON.stringify(text)}`);
  }
  return [...new Set(regions)];
}

export function coreConfig(
  flags: { dataDir?: string | undefined; keyBits?: string | undefined; database?: string | undefined; regions?: string | undefined },
  env: Env,
): CoreConfig {
  const databaseUrl = flags.database ?? env['SIGNET_DATABASE_URL'] ?? '';
  if (databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`--database must be a postgres:// URL, not ${JSON.stringify(databaseUrl.replace(/:[^:@/]*@/, ':***@'))}`);
  }
  return {
    databaseUrl: databaseUrl === '' ? null : databaseUrl,
    dataDir: resolve(flags.dataDir ?? defaultDataDir(env)),
    keyBits: parseKeyBits(flags.keyBits ?? env['SIGNET_KEY_BITS']),
    masterKey: env['SIGNET_MASTER_KEY'],
    accountId: LOCAL_ACCOUNT_ID,
    defaultRegion: env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || 'us-east-1',
    regions: parseRegions(flags.regions ?? env['SIGNET_REGIONS']),
  };
}

export interface ServeFlags {
  readonly dataDir?: string | undefined;
  readonly database?: string | undefined;
  readonly keyBits?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly keyPoolSize?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly throttleRate?: string | undefined;
  readonly throttleBurst?: string | undefined;
  readonly noThrottle?: boolean | undefined;
  readonly regions?: string | undefined;
  /** `--throttle`: SES's limits in dev mode too (to test retry code); production always has them. */
  readonly throttle?: boolean | undefined;
  readonly autoVerify?: string | undefined;
  readonly sandbox?: boolean | undefined;
}

/** A key or two more than one domain takes: dev servers start often (one per test), and keys cost CPU. */
export const DEV_KEY_POOL_SIZE = 3;

/**
 * `dev`: `signet serve --dev`, whose defaults suit test suites (as LocalStack's and moto's do): no
 * throttling unless asked for, and a small key pool.
 */
export function serveConfig(flags: ServeFlags, env: Env, cpus: number, dev = false): ServeConfig {
  return {
    ...coreConfig(flags, env),
    host: flags.host ?? env['SIGNET_HOST'] ?? '127.0.0.1',
    port: parseInteger('--port', flags.port ?? env['SIGNET_PORT'], 8580, 0, 65535),
    keyPoolSize: parseInteger('--key-pool-size', flags.keyPoolSize ?? env['SIGNET_KEY_POOL_SIZE'], dev ? DEV_KEY_POOL_SIZE : 30, 0, 100000),
    keyPoolConcurrency: Math.max(1, cpus),
    logLevel: flags.logLevel ?? env['SIGNET_LOG_LEVEL'] ?? 'info',
    throttle: throttleConfig(flags, env, dev),
    autoVerify: autoVerifyConfig(flags.autoVerify ?? env['SIGNET_AUTO_VERIFY'], dev),
    sandbox: sandboxConfig(flags.sandbox === true || env['SIGNET_SANDBOX'] === '1' || env['SIGNET_SANDBOX'] === 'true', dev),
  };
}

/** `--auto-verify none|emails|all`: `emails` in dev by default; outside dev only `none`, since it would let anyone send as anyone. */
function autoVerifyConfig(text: string | undefined, dev: boolean): AutoVerify {
  if (text === undefined || text === '') return dev ? 'emails' : 'none';
  if (text !== 'none' && text !== 'emails' && text !== 'all') {
    throw new ConfigError(`--auto-verify must be none, emails or all, not ${JSON.stringify(text)}`);
  }
  if (!dev && text !== 'none') {
    throw new ConfigError(`--auto-verify ${text} is for --dev only: a production server verifies every identity (--auto-verify none)`);
  }
  return text;
}

/** `--sandbox` names the dev account; elsewhere accounts are sandboxed by `signet admin` (create-account starts there). */
function sandboxConfig(sandbox: boolean, dev: boolean): boolean {
  if (sandbox && !dev) {
    throw new ConfigError(
      '--sandbox is for --dev only: accounts made with signet admin create-account start in the sandbox (signet admin grant-production-access)',
    );
  }
  return sandbox;
}

/**
 * SES: the identity operations run at most once per second per account; burst 1 and rate 1 by default.
 * Dev mode leaves them off unless `--throttle` (or SIGNET_THROTTLE=on) asks: back-to-back calls of a
 * test suite would otherwise fail or wait on retries.
 */
function throttleConfig(flags: ServeFlags, env: Env, dev: boolean): ServeConfig['throttle'] {
  const asked = flags.throttle === true || env['SIGNET_THROTTLE'] === 'on';
  const off = flags.noThrottle === true || env['SIGNET_THROTTLE'] === 'off' || (dev && !asked);
  if (off) return null;
  const rateText = flags.throttleRate ?? env['SIGNET_THROTTLE_RATE'];
  const ratePerSecond = rateText === undefined || rateText === '' ? 1 : Number(rateText);
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new ConfigError(`--throttle-rate must be a positive number of calls per second, not ${JSON.stringify(rateText)}`);
  }
  const burst = parseInteger('--throttle-burst', flags.throttleBurst ?? env['SIGNET_THROTTLE_BURST'], 1, 1, 1000000);
  return { ratePerSecond, burst };
}
