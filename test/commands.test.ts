import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { COMMAND_TABLE } from '../src/commands/table.ts';
import { coreConfig } from '../src/config/config.ts';
import { sendRawEmail } from '../src/app/send-email.ts';
import { createSignet, systemRuntime } from '../src/main/signet.ts';
import { peerOrSkip, run } from './helpers/peers.ts';
import { dropSchemas, freshSchema, POSTGRES_URL, postgresReachable } from './helpers/postgres.ts';
import { signForm } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const signet = (args: readonly string[], env: Record<string, string> = {}) => run(process.execPath, [SIGNET_BIN, ...args], env);

describe('the command table', () => {
  const data = tempDir('commands');
  after(() => data.remove());

  it('answers --help (and -h) for every command, with its own usage, and exit 0', () => {
    for (const entry of COMMAND_TABLE) {
      for (const flag of ['--help', '-h']) {
        const r = signet([...entry.path, flag], { SIGNET_DATA_DIR: data.path });
        assert.equal(r.status, 0, `${entry.path.join(' ')} ${flag}: ${r.stderr}`);
        assert.ok(r.stdout.startsWith(`usage: signet ${entry.path.join(' ')}`), `${entry.path.join(' ')} ${flag} printed:\n${r.stdout}`);
        assert.equal(r.stderr, '');
      }
    }
  });

  it('answers --help for every group of commands, and lists each of its commands', () => {
    const groups = [...new Set(COMMAND_TABLE.filter((e) => e.path.length > 1).map((e) => e.path[0]!))];
    assert.deepEqual(groups.sort(), ['admin', 'dev', 'dkim', 'dns', 'outbox']);
    for (const group of groups) {
      const r = signet([group, '--help']);
      assert.equal(r.status, 0, r.stderr);
      for (const e of COMMAND_TABLE.filter((x) => x.path[0] === group)) assert.match(r.stdout, new RegExp(`\\b${e.path[1]}\\b`));
      // Without a command, or with an unknown one: the same list on stderr, as a usage error.
      for (const args of [[group], [group, 'bogus']]) {
        const bad = signet(args);
        assert.equal(bad.status, 252);
        assert.match(bad.stderr, /usage: signet/);
      }
    }
    const top = signet(['--help']);
    assert.equal(top.status, 0);
    for (const e of COMMAND_TABLE) assert.ok(top.stdout.includes(e.synopsis), `signet --help lists ${e.synopsis}`);
  });

  it('refuses unknown options and wrong positionals with the usage error code', () => {
    const unknown = signet(['admin', 'list-accounts', '--bogus', '--data-dir', data.path]);
    assert.equal(unknown.status, 252);
    assert.match(unknown.stderr, /^signet admin list-accounts: Unknown option '--bogus'/);
    const missing = signet(['dkim', 'doctor', '--data-dir', data.path]);
    assert.equal(missing.status, 252);
    assert.match(missing.stderr, /expected one DOMAIN\nusage: signet dkim doctor/);
    const extra = signet(['outbox', 'list', 'extra', '--data-dir', data.path]);
    assert.equal(extra.status, 252);
  });

  it('maps a refusal of the service to 254 and a bad configuration to 253', () => {
    const refused = signet(['admin', 'create-access-key', '--account-id', '999999999999', '--data-dir', data.path]);
    assert.equal(refused.status, 254, refused.stderr);
    assert.match(refused.stderr, /^signet: Account 999999999999 does not exist\.\n$/);
    const config = signet(['outbox', 'list', '--database', 'mysql://nope']);
    assert.equal(config.status, 253);
    assert.match(config.stderr, /^signet: --database must be a postgres:\/\/ URL/);
  });
});

describe('signet outbox on PostgreSQL', async () => {
  const url = await postgresReachable();
  after(() => dropSchemas());

  it(
    'lists and shows the messages a PostgreSQL store holds when given --database',
    peerOrSkip('PostgreSQL', url, `no PostgreSQL at ${POSTGRES_URL}`),
    async () => {
      const schema = freshSchema('signet_outbox');
      const databaseUrl = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      // The schema a deployment's search_path names exists before Signet starts (as in multi-node.test.ts).
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`create schema "${schema}"`);
      await admin.end();
      const data = tempDir('outbox-pg');
      try {
        const env = { SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
        const config = coreConfig({ dataDir: data.path, database: databaseUrl }, env);
        const app = await createSignet(config, systemRuntime);
        let messageId: string;
        try {
          const raw = Buffer.from('From: someone@unverified.example\r\nTo: a@example.net\r\nSubject: through postgres\r\n\r\nhello\r\n');
          // An unverified sender is refused; a verified address is what SES needs. Verify one directly.
          await app.storage.store.ensureEmailIdentity({ accountId: config.accountId, region: config.defaultRegion }, 'someone@unverified.example', Date.now());
          await app.storage.verifications.addToken(
            { accountId: config.accountId, region: config.defaultRegion },
            'someone@unverified.example',
            'h',
            Date.now() + 60_000,
            Date.now(),
          );
          await app.storage.verifications.useToken('h', Date.now());
          messageId = await sendRawEmail(
            app.ctx,
            { accountId: config.accountId, region: config.defaultRegion },
            { source: undefined, destinations: undefined, raw, tags: [] },
          );
        } finally {
          await app.close();
        }
        // The data folder has no SQLite store with that message: only --database can find it.
        const list = signet(['outbox', 'list', '--database', databaseUrl, '--data-dir', data.path], env);
        assert.equal(list.status, 0, list.stderr);
        assert.match(list.stdout, new RegExp(`\\t${messageId}\\t`));
        assert.match(list.stdout, /"through postgres"/);
        const fromEnv = signet(['outbox', 'show', messageId, '--data-dir', data.path], { ...env, SIGNET_DATABASE_URL: databaseUrl });
        assert.equal(fromEnv.status, 0, fromEnv.stderr);
        assert.equal(JSON.parse(fromEnv.stdout).Id, messageId);
        const sqlite = signet(['outbox', 'list', '--data-dir', data.path], env);
        assert.equal(sqlite.status, 0, sqlite.stderr);
        assert.equal(sqlite.stdout, '');
      } finally {
        data.remove();
      }
    },
  );
});

describe('one service clock in dev mode', () => {
  it('moves the use cases with /_signet/clock: a verification link expires 24 hours later on the dev clock', async () => {
    const data = tempDir('dev-clock');
    const server = await startSignet(['--dev', '--no-throttle', '--data-dir', data.path, '--key-pool-size', '0', '--auto-verify', 'none']);
    try {
      const key = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
      const call = async (body: string) => {
        const response = await fetch(`${server.url}/`, { method: 'POST', headers: await signForm(`${server.url}/`, body, key), body });
        return { status: response.status, text: await response.text() };
      };
      const verify = await call('Action=VerifyEmailIdentity&EmailAddress=late%40example.com&Version=2010-12-01');
      assert.equal(verify.status, 200, verify.text);
      const outbox = (await (await fetch(`${server.url}/_aws/ses`)).json()) as { messages: { RawData?: string; Body?: { text_part?: string } }[] };
      const text = outbox.messages.map((m) => m.Body?.text_part ?? m.RawData ?? '').join('\n');
      const link = /(http:\/\/\S+\/_signet\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(text)?.[1];
      assert.ok(link, `a verification link in the outbox:\n${text}`);
      const advanced = await fetch(`${server.url}/_signet/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'advance=25h',
      });
      assert.equal(advanced.status, 200, await advanced.text());
      await fetch(link);
      const attributes = await call('Action=GetIdentityVerificationAttributes&Identities.member.1=late%40example.com&Version=2010-12-01');
      // The use case saw the dev clock 25 hours on: the 24-hour link had expired (on the system clock it had not).
      assert.match(attributes.text, /<VerificationStatus>Failed<\/VerificationStatus>/, attributes.text);
    } finally {
      await server.stop();
      data.remove();
    }
  });
});
