import { fs, os, path } from './builtins.ts';
import { CliError, ConfigurationError, EXIT_OTHER, NO_CREDENTIALS } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

type Sections = Map<string, Map<string, string>>;

/**
 * An INI file as botocore reads it (configparser): `[section]`, `key = value` or `key: value`,
 * `#`/`;` comment lines, indented continuation lines. A missing or unreadable file is empty.
 */
export function parseIni(text: string): Sections {
  const out: Sections = new Map();
  let current: Map<string, string> | null = null;
  let lastKey: string | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(rawLine)) continue;
    if (/^\s/.test(rawLine) && current && lastKey !== null) {
      current.set(lastKey, `${current.get(lastKey)}\n${rawLine.trim()}`);
      continue;
    }
    const section = /^\s*\[([^\]]+)\]/.exec(rawLine);
    if (section) {
      const name = section[1]!.trim();
      current = out.get(name) ?? new Map();
      out.set(name, current);
      lastKey = null;
      continue;
    }
    const kv = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(rawLine);
    if (kv && current) {
      lastKey = kv[1]!.toLowerCase();
      current.set(lastKey, kv[2]!);
    }
  }
  return out;
}

function readIni(path: string): Sections {
  try {
    return parseIni(fs.readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}

function expandHome(p: string, env: Env): string {
  return p === '~' || p.startsWith('~/') ? (env['HOME'] || os.homedir()) + p.slice(1) : p;
}

/**
 * The AWS shared configuration (`~/.aws/config`, `~/.aws/credentials`, their environment overrides)
 * and the profile chosen by `--profile` > `AWS_PROFILE` > `AWS_DEFAULT_PROFILE` > `default`.
 */
export class AwsConfig {
  private readonly profiles = new Map<string, Map<string, string>>();
  private readonly credentialProfiles: Sections;
  readonly profileName: string;
  readonly profileFromFlag: boolean;

  constructor(
    readonly env: Env,
    profileFlag: string | undefined,
  ) {
    const home = env['HOME'] || os.homedir();
    const configPath = expandHome(env['AWS_CONFIG_FILE'] || path.join(home, '.aws', 'config'), env);
    const credPath = expandHome(env['AWS_SHARED_CREDENTIALS_FILE'] || path.join(home, '.aws', 'credentials'), env);
    for (const [name, values] of readIni(configPath)) {
      if (name === 'default') this.profiles.set('default', values);
      else if (name.startsWith('profile ')) this.profiles.set(name.slice(8).trim(), values);
    }
    this.credentialProfiles = readIni(credPath);
    this.profileFromFlag = profileFlag !== undefined;
    this.profileName = profileFlag ?? env['AWS_PROFILE'] ?? env['AWS_DEFAULT_PROFILE'] ?? 'default';
  }

  private profileExists(): boolean {
    return this.profiles.has(this.profileName) || this.credentialProfiles.has(this.profileName);
  }

  /** A key of the chosen profile; an unknown profile other than `default` is an error (exit 255). */
  get(key: string): string | undefined {
    if (!this.profileExists()) {
      if (this.profileName === 'default') return undefined;
      throw new CliError(`The config profile (${this.profileName}) could not be found`, EXIT_OTHER);
    }
    // botocore's Session merges each credentials-file profile into the config profile of the same
    // name (`profiles[name].update(cred_vars)`), so a key there, `region` included, wins.
    return this.credentialProfiles.get(this.profileName)?.get(key) ?? this.profiles.get(this.profileName)?.get(key);
  }

  /** botocore's credential chain: environment (unless --profile), shared credentials file, config file. */
  credentials(): Credentials {
    const env = this.env;
    if (!this.profileFromFlag && env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
      const token = env['AWS_SESSION_TOKEN'] || env['AWS_SECURITY_TOKEN'];
      return {
        accessKeyId: env['AWS_ACCESS_KEY_ID'],
        secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
        ...(token ? { sessionToken: token } : {}),
      };
    }
    if (!this.profileExists() && this.profileName !== 'default') {
      throw new CliError(`The config profile (${this.profileName}) could not be found`, EXIT_OTHER);
    }
    for (const section of [this.credentialProfiles.get(this.profileName), this.profiles.get(this.profileName)]) {
      const id = section?.get('aws_access_key_id');
      const secret = section?.get('aws_secret_access_key');
      if (id && secret) {
        const token = section?.get('aws_session_token') || section?.get('aws_security_token');
        return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
      }
    }
    throw new ConfigurationError(NO_CREDENTIALS);
  }

  /** Credentials when they can be found, else null (the embedded path needs none). */
  tryCredentials(): Credentials | null {
    try {
      return this.credentials();
    } catch (err) {
      if (err instanceof ConfigurationError) return null;
      throw err;
    }
  }
}
