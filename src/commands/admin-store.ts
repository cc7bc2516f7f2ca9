import { coreConfig, ConfigError, type CoreConfig, type Env } from '../config/config.ts';
import { backupStore, rebuildDnsKeys, restoreStore, storeStatus } from '../main/store-maintenance.ts';
import { EXIT_NEGATIVE } from '../cli/exit-codes.ts';
import { stringOption, type Command, type ParsedArgs } from './command.ts';
import { STORE_OPTIONS, STORE_USAGE } from './with-signet.ts';

/**
 * `signet admin backup`, `restore` and `status` (issue 19, item 4): the store's operator tools. Each
 * returns data; render.ts prints it.
 */
function configOf(args: ParsedArgs, env: Env): CoreConfig {
  return coreConfig({ dataDir: stringOption(args, 'data-dir'), database: stringOption(args, 'database') }, env);
}

export const backupCommand: Command = {
  path: ['admin', 'backup'],
  summary: 'an online, consistent copy of the SQLite store (PostgreSQL: use pg_dump)',
  usage: `usage: signet admin backup FILE ${STORE_USAGE}
  Writes a consistent copy of the store to FILE (which must not exist) while the server runs.
  The DKIM private keys in it are sealed with master.key: keep a copy of master.key too, somewhere
  else (without it the backup's keys cannot be used; with it, anyone can use them).`,
  options: { ...STORE_OPTIONS },
  positionals: { min: 1, max: 1, names: 'FILE' },
  async run(args, env) {
    const config = configOf(args, env);
    const outcome = await backupStore(config, args.positionals[0]!);
    if (outcome.kind === 'unsupported') {
      throw new ConfigError(
        'the store is PostgreSQL: back it up with its own tools, e.g. pg_dump --format=custom --file signet.dump "$DATABASE_URL" ' +
          '(and pg_restore to restore); keep master.key (or SIGNET_MASTER_KEY) with the dump',
      );
    }
    const key = outcome.masterKeyFile ?? 'the master key (SIGNET_MASTER_KEY)';
    return {
      output: {
        kind: 'lines',
        lines: [
          `backup written to ${outcome.file} (${outcome.bytes} bytes, consistent as of ${outcome.takenAt})`,
          `remember: the DKIM keys in it are sealed with ${key}; back that up too, kept apart from this file`,
        ],
      },
    };
  },
};

export const restoreCommand: Command = {
  path: ['admin', 'restore'],
  summary: 'put a backup in place as the store (the server stopped)',
  usage: `usage: signet admin restore FILE [--replace] ${STORE_USAGE}
  Checks FILE (SQLite's integrity check, Signet's tables), puts it in place as the data folder's
  store, opens it (migrating it if it is older) and checks that every identity has its keys.
  Stop the server first. The data folder needs the master.key the backup was made with.
  --replace: overwrite the data folder's existing store.`,
  options: { ...STORE_OPTIONS, replace: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: 'FILE' },
  async run(args, env) {
    const config = configOf(args, env);
    const outcome = await restoreStore(config, args.positionals[0]!, args.values['replace'] === true);
    if (outcome.kind === 'postgres') throw new ConfigError('the store is PostgreSQL: restore it with pg_restore (or psql for a plain dump)');
    if (outcome.kind === 'not_a_store') throw new ConfigError(`cannot restore ${args.positionals[0]}: ${outcome.detail}`);
    if (outcome.kind === 'exists') throw new ConfigError(`${config.dataDir} already has a store; stop the server and add --replace to overwrite it`);
    const c = outcome.consistency;
    return {
      output: { kind: 'json', value: { restored: true, consistency: c }, indent: 2 },
      ...(c.ok ? {} : { exitCode: EXIT_NEGATIVE, message: 'signet: the restored store is not consistent (see consistency)' }),
    };
  },
};

export const rebuildDnsKeysCommand: Command = {
  path: ['admin', 'rebuild-dns-keys'],
  summary: "rebuild the SQLite store's DNS key table from the keys",
  usage: `usage: signet admin rebuild-dns-keys ${STORE_USAGE}
  Rebuilds the table the DNS server reads keys from (SQLite, migration 0019) and its triggers from
  the DKIM keys, in one transaction, then runs the consistency check of admin status --check. For a
  store whose check reports dkim_key_slots lines. Stop the server first and start it after: its
  writes would fail as busy during the rebuild (minutes at a million domains), and its DNS cache
  may hold keys read from the broken table. The check reads the whole store.`,
  options: { ...STORE_OPTIONS },
  async run(args, env) {
    const config = configOf(args, env);
    const outcome = await rebuildDnsKeys(config);
    if (outcome.kind === 'unsupported') {
      throw new ConfigError('the store is PostgreSQL: its DNS key reads use an index PostgreSQL keeps itself, and there is no table to rebuild');
    }
    const c = outcome.consistency;
    return {
      output: { kind: 'json', value: { rebuilt: true, slots: outcome.slots, consistency: c }, indent: 2 },
      ...(c.ok ? {} : { exitCode: EXIT_NEGATIVE, message: 'signet: the store is not consistent (see consistency)' }),
    };
  },
};

export const statusCommand: Command = {
  path: ['admin', 'status'],
  summary: 'listeners, store, key pool, identities by status, overdue checks',
  usage: `usage: signet admin status [--endpoint-url URL] [--check] ${STORE_USAGE}
  The store's side from the data folder or database; with --endpoint-url (or SIGNET_ENDPOINT_URL),
  the running server's /health too: ready or what it waits for, and its listeners.
  --check: also SQLite's integrity check (and its DNS key table against the keys) and every
  identity's keys (reads the whole store).`,
  options: { ...STORE_OPTIONS, 'endpoint-url': { type: 'string' }, check: { type: 'boolean' } },
  async run(args, env) {
    const config = configOf(args, env);
    const endpoint = stringOption(args, 'endpoint-url') ?? env['SIGNET_ENDPOINT_URL'];
    const [store, server] = await Promise.all([storeStatus(config, { consistency: args.values['check'] === true }), endpoint ? probe(endpoint) : null]);
    const overdue = store.identities.overdue;
    const unhealthy = (server !== null && server.status !== 'ok') || overdue > 0 || store.store.consistency?.ok === false;
    return {
      output: { kind: 'json', value: { server, ...store }, indent: 2 },
      ...(unhealthy ? { exitCode: EXIT_NEGATIVE } : {}),
    };
  },
};

/** A running server's /health: ready, or what it waits for, and its listeners; 'unreachable' when it does not answer. */
async function probe(endpoint: string): Promise<{ url: string; status: string; waiting?: string[]; listeners?: Record<string, string> }> {
  const url = `${endpoint.replace(/\/+$/, '')}/health`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { status?: string; waiting?: string[]; listeners?: Record<string, string> };
    return {
      url: endpoint,
      status: body.status ?? `http ${response.status}`,
      ...(body.waiting ? { waiting: body.waiting } : {}),
      ...(body.listeners ? { listeners: body.listeners } : {}),
    };
  } catch (err) {
    return { url: endpoint, status: `unreachable (${(err as Error).message})` };
  }
}
