import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIGNET_ROUTES } from '../src/api/signet-routes.ts';
import { otherLastCharacter } from './helpers/sign.ts';
import { REPO_ROOT, SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * Issue 13, item 2: `signet dkim check`, `dkim doctor`, `dev publish-dkim-records` /
 * `unpublish-dkim-records` and `dev clock` reach the server that `signet ses` would reach (flag,
 * environment or profile), SigV4-signed with its credentials; with no endpoint they work on the data
 * folder. Every command here is the built `bin/signet`, every server a real `signet serve`.
 */

interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `signet ARGS` with only the environment given (and PATH): no AWS configuration, credentials or
 * endpoint of the machine leaks in. Asynchronous, so that servers started by this process keep serving.
 */
function signetIn(home: string) {
  return (args: readonly string[], env: Record<string, string> = {}): Promise<Result> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [SIGNET_BIN, ...args], {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: home,
          AWS_CONFIG_FILE: join(home, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
          SIGNET_DATA_DIR: join(home, 'no-data'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    });
}

const ANY_KEY = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_REGION: 'us-east-1' };

/** No lookup leaves the machine: a resolver on a closed port fails fast (the sandbox answers first in --dev). */
const QUIET_RESOLVER = ['--resolver', '127.0.0.1:9', '--resolver-timeout', '200ms', '--no-detection'];

function tokensOf(result: Result): string[] {
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { DkimTokens: string[] }).DkimTokens;
}

describe('the controls against signet serve --dev over HTTP', () => {
  const home = tempDir('controls-dev-home');
  const data = tempDir('controls-dev');
  const signet = signetIn(home.path);
  let server: RunningSignet;
  let tokens: string[];
  const DOMAIN = 'controls.example.com';
  before(async () => {
    // No background detection: the statuses move only when the test checks.
    server = await startSignet(['--dev', '--data-dir', data.path, '--key-bits', '1024', ...QUIET_RESOLVER]);
    tokens = tokensOf(await signet(['ses', 'verify-domain-dkim', '--domain', DOMAIN, '--endpoint-url', server.url], ANY_KEY));
  });
  after(async () => {
    await server.stop();
    data.remove();
    home.remove();
  });

  it('publish over HTTP, then dkim check shows Success; the endpoint from the flag, the environment or the profile', async () => {
    // AWS_ENDPOINT_URL, no credentials: dev mode takes an unsigned request as its local account.
    const pending = await signet(['dkim', 'check', DOMAIN], { AWS_ENDPOINT_URL: server.url });
    assert.equal(pending.status, 0, pending.stderr);
    // Unpublished names go past the sandbox to the resolver, which fails: a DNS error, TemporaryFailure as SES has it.
    assert.match(pending.stdout, new RegExp(`^${DOMAIN}: DKIM TemporaryFailure, verification TemporaryFailure\n`));
    assert.match(pending.stdout, new RegExp(`resolver error \\(no verdict\\): ${tokens[0]}\\._domainkey\\.${DOMAIN} CNAME`));

    const published = await signet(['dev', 'publish-dkim-records', DOMAIN, '--endpoint-url', server.url]);
    assert.equal(published.status, 0, published.stderr);
    assert.equal(published.stdout, tokens.map((t) => `published ${t}._domainkey.${DOMAIN}. CNAME ${t}.dkim.amazonses.com.\n`).join(''));

    // AWS_ENDPOINT_URL_SES and signed with any credentials (the dev authenticator), JSON output.
    const checked = await signet(['dkim', 'check', DOMAIN.toUpperCase(), '--output', 'json'], { ...ANY_KEY, AWS_ENDPOINT_URL_SES: server.url });
    assert.equal(checked.status, 0, checked.stderr);
    const report = JSON.parse(checked.stdout) as { domain: string; dkimStatus: string; records: { verdict: string }[] };
    assert.equal(report.domain, DOMAIN);
    assert.equal(report.dkimStatus, 'Success');
    assert.deepEqual(
      report.records.slice(0, 3).map((r) => r.verdict),
      ['ok', 'ok', 'ok'],
    );
    // The SES API sees what the check wrote.
    const attributes = await signet(
      [
        'ses',
        'get-identity-dkim-attributes',
        '--identities',
        DOMAIN,
        '--endpoint-url',
        server.url,
        '--query',
        'DkimAttributes.*.DkimVerificationStatus',
        '--output',
        'text',
      ],
      ANY_KEY,
    );
    assert.equal(attributes.stdout, 'Success\n', attributes.stderr);

    // The profile's endpoint_url, as `signet ses` reads it.
    const config = join(home.path, 'config');
    writeFileSync(config, `[profile local]\nendpoint_url = ${server.url}\nregion = us-east-1\n`);
    const doctor = await signet(['dkim', 'doctor', DOMAIN, '--profile', 'local'], { AWS_CONFIG_FILE: config });
    assert.equal(doctor.status, 0, doctor.stderr);
    assert.match(doctor.stdout, new RegExp(`^${DOMAIN}: DKIM Success, verification Success\n`));
    assert.equal((doctor.stdout.match(/^ok: /gm) ?? []).length, 3);
  });

  it('unpublish, then the clock moves Success through TemporaryFailure to Failed', async () => {
    const env = { AWS_ENDPOINT_URL: server.url };
    await signet(['dev', 'publish-dkim-records', DOMAIN], env);
    assert.match((await signet(['dkim', 'check', DOMAIN], env)).stdout, /DKIM Success/);
    const unpublished = await signet(['dev', 'unpublish-dkim-records', DOMAIN], env);
    assert.equal(unpublished.status, 0, unpublished.stderr);
    assert.match(unpublished.stdout, new RegExp(`^unpublished ${tokens[0]}\\._domainkey\\.${DOMAIN}\\. CNAME`));
    const doctor = await signet(['dkim', 'doctor', DOMAIN], env);
    assert.equal(doctor.status, 1, 'the doctor finds the records gone');
    assert.match((await signet(['dkim', 'check', DOMAIN], env)).stdout, /DKIM TemporaryFailure/);

    const before = JSON.parse((await signet(['dev', 'clock', '--output', 'json'], env)).stdout) as { offsetMs: number };
    const advanced = await signet(['dev', 'clock', 'advance', '73h'], env);
    assert.equal(advanced.status, 0, advanced.stderr);
    assert.match(advanced.stdout, /\(the system clock \+ \d+h\)\n$/);
    const state = JSON.parse((await signet(['dev', 'clock', '--output', 'json'], env)).stdout) as { offsetMs: number; now: string };
    assert.equal(state.offsetMs - before.offsetMs, 73 * 3_600_000);
    // Past the 72-hour grace period on the dev clock: the records stayed away, so DKIM has failed.
    const failed = await signet(['dkim', 'check', DOMAIN, '--output', 'json'], env);
    const report = JSON.parse(failed.stdout) as { dkimStatus: string; checkedAt: string };
    assert.equal(report.dkimStatus, 'Failed');
    assert.ok(Date.parse(report.checkedAt) >= Date.parse(state.now), `checked on the dev clock: ${report.checkedAt} vs ${state.now}`);
  });

  it("maps the server's refusals and the command's own errors to exit codes, in one line", async () => {
    const env = { AWS_ENDPOINT_URL: server.url };
    const missing = await signet(['dkim', 'check', 'nosuch.example.com'], env);
    assert.equal(missing.status, 254);
    assert.equal(missing.stderr, 'signet: An error occurred (NotFoundException) when calling /_signet/check: Identity nosuch.example.com does not exist.\n');
    const badDuration = await signet(['dev', 'clock', 'advance', 'soon'], env);
    assert.equal(badDuration.status, 252);
    const noEndpoint = await signet(['dev', 'clock', 'advance', '1h']);
    assert.equal(noEndpoint.status, 253);
    assert.match(noEndpoint.stderr, /^signet: the dev clock is a running signet serve --dev's: name the server with --endpoint-url/);
    const mixed = await signet(['dkim', 'check', DOMAIN, '--data-dir', data.path], env);
    assert.equal(mixed.status, 252);
    assert.match(mixed.stderr, /--data-dir applies to the data folder, but an endpoint is configured/);
    const unreachable = await signet(['dkim', 'doctor', DOMAIN, '--endpoint-url', 'http://127.0.0.1:9']);
    assert.equal(unreachable.status, 255);
    assert.equal(unreachable.stderr, 'signet: Could not connect to the endpoint URL: "http://127.0.0.1:9/_signet/dkim-doctor"\n');
    const noScheme = await signet(['dkim', 'check', DOMAIN, '--endpoint-url', '127.0.0.1']);
    assert.equal(noScheme.status, 252);
  });

  it('answers every error of every /_signet/ route in one JSON shape', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['/_signet/check', { method: 'POST', body: '{"domain": "nosuch.example.com"}' }, 404, 'NotFoundException'],
      ['/_signet/check', { method: 'POST', body: '{}' }, 400, 'BadRequestException'],
      ['/_signet/check', { method: 'POST', body: '{not json' }, 400, 'BadRequestException'],
      ['/_signet/check', { method: 'GET' }, 404, 'NotFoundException'],
      ['/_signet/dkim-doctor?domain=nosuch.example.com', { method: 'GET' }, 404, 'NotFoundException'],
      ['/_signet/publish-dkim-records', { method: 'POST', body: 'domain=nosuch.example.com' }, 400, 'BadRequestException'],
      ['/_signet/clock', { method: 'POST', body: 'advance=-1h' }, 400, 'BadRequestException'],
      ['/_signet/no-such-route', { method: 'POST' }, 404, 'NotFoundException'],
      ['/_signet/clock', { method: 'POST', body: 'advance=1h', headers: { origin: 'http://evil.example' } }, 403, 'AccessDeniedException'],
      ['/_signet/check', { method: 'POST', body: 'x'.repeat(70_000) }, 400, 'BadRequestException'],
      // A malformed signature is refused as the SES API refuses it.
      [
        '/_signet/check',
        { method: 'POST', body: '{"domain": "x.example"}', headers: { authorization: 'AWS4-HMAC-SHA256 nonsense' } },
        403,
        'IncompleteSignature',
      ],
    ];
    for (const [path, init, status, code] of cases) {
      const response = await fetch(`${server.url}${path}`, init);
      const text = await response.text();
      assert.equal(response.status, status, `${init.method} ${path}: ${text}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/, path);
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['__type', 'message'], text);
      assert.equal(response.headers.get('x-amzn-errortype'), body['__type']);
      assert.equal(body['__type'], code, text);
      assert.ok(typeof body['message'] === 'string' && body['message'] !== '', text);
    }
  });
});

describe('the controls against a production signet serve', () => {
  const home = tempDir('controls-prod-home');
  const data = tempDir('controls-prod');
  const signet = signetIn(home.path);
  let server: RunningSignet;
  let own: Record<string, string>;
  const DOMAIN = 'prod-controls.example.com';
  before(async () => {
    server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '3', '--no-throttle', ...QUIET_RESOLVER]);
    const key = server.credentials!;
    own = { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: server.url };
    tokensOf(await signet(['ses', 'verify-domain-dkim', '--domain', DOMAIN], own));
  });
  after(async () => {
    await server.stop();
    data.remove();
    home.remove();
  });

  it("checks and diagnoses the account's own domain with its credentials", async () => {
    const checked = await signet(['dkim', 'check', DOMAIN], own);
    assert.equal(checked.status, 0, checked.stderr);
    // The resolver fails (closed port): TemporaryFailure, as SES reports a DNS error.
    assert.match(checked.stdout, new RegExp(`^${DOMAIN}: DKIM TemporaryFailure, verification TemporaryFailure\n`));
    const doctor = await signet(['dkim', 'doctor', DOMAIN, '--output', 'json'], own);
    // The records cannot be found (the resolver answers nothing): a negative answer, exit 1.
    assert.equal(doctor.status, 1, doctor.stderr);
    assert.equal((JSON.parse(doctor.stdout) as { domain: string }).domain, DOMAIN);
    // The credentials file `signet serve` wrote, as `signet ses --profile signet` reads it.
    const viaProfile = await signet(['dkim', 'check', DOMAIN, '--profile', 'signet', '--endpoint-url', server.url, '--region', 'us-east-1'], {
      AWS_SHARED_CREDENTIALS_FILE: join(data.path, 'credentials'),
    });
    assert.equal(viaProfile.status, 0, viaProfile.stderr);
  });

  it('refuses without credentials, with a bad secret and for another account, in SES words', async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...unsigned } = own;
    const none = await signet(['dkim', 'check', DOMAIN], unsigned);
    assert.equal(none.status, 254);
    assert.equal(none.stderr, 'signet: An error occurred (MissingAuthenticationToken) when calling /_signet/check: Request is missing Authentication Token\n');
    const badSecret = await signet(['dkim', 'doctor', DOMAIN], { ...own, AWS_SECRET_ACCESS_KEY: otherLastCharacter(own['AWS_SECRET_ACCESS_KEY']!) });
    assert.equal(badSecret.status, 254);
    assert.match(
      badSecret.stderr,
      /^signet: An error occurred \(SignatureDoesNotMatch\) when calling \/_signet\/dkim-doctor: The request signature we calculated does not match/,
    );
    const unknownKey = await signet(['dkim', 'check', DOMAIN], { ...own, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' });
    assert.equal(unknownKey.status, 254);
    assert.match(unknownKey.stderr, /\(InvalidClientTokenId\)/);

    const admin = async (...args: string[]) => {
      const r = await signet(['admin', ...args, '--data-dir', data.path]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const other = (await admin('create-account')).AccountId as string;
    const key = (await admin('create-access-key', '--account-id', other)).AccessKey as { AccessKeyId: string; SecretAccessKey: string };
    const theirs = { ...own, AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
    for (const command of [
      ['dkim', 'check'],
      ['dkim', 'doctor'],
    ]) {
      const r = await signet([...command, DOMAIN], theirs);
      assert.equal(r.status, 254, r.stderr);
      assert.match(r.stderr, new RegExp(`\\(NotFoundException\\) when calling /_signet/\\S+: Identity ${DOMAIN.replace(/\./g, '\\.')} does not exist\\.\n$`));
      assert.equal(r.stdout, '');
    }
  });

  it('serves the dev controls only in --dev, and only after authentication', async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...unsigned } = own;
    for (const args of [
      ['dev', 'publish-dkim-records', DOMAIN],
      ['dev', 'clock', 'advance', '73h'],
      ['dev', 'clock'],
    ]) {
      const anonymous = await signet(args, unsigned);
      assert.equal(anonymous.status, 254);
      assert.match(anonymous.stderr, /\(MissingAuthenticationToken\)/);
      const signed = await signet(args, own);
      assert.equal(signed.status, 254);
      assert.match(signed.stderr, /\(NotFoundException\) when calling \/_signet\/\S+: \/_signet\/\S+ is served only by signet serve --dev\.\n$/);
    }
  });
});

describe('the controls without an endpoint: the data folder', () => {
  const home = tempDir('controls-local-home');
  const data = tempDir('controls-local');
  const signet = signetIn(home.path);
  after(() => {
    data.remove();
    home.remove();
  });

  it('publishes, checks and diagnoses in the store of the data folder', async () => {
    const DOMAIN = 'local-controls.example.com';
    const env = { SIGNET_DATA_DIR: data.path, SIGNET_KEY_BITS: '1024' };
    const tokens = tokensOf(await signet(['ses', 'verify-domain-dkim', '--domain', DOMAIN], env));
    const published = await signet(['dev', 'publish-dkim-records', DOMAIN], env);
    assert.equal(published.status, 0, published.stderr);
    assert.equal(published.stdout.split('\n')[0], `published ${tokens[0]}._domainkey.${DOMAIN}. CNAME ${tokens[0]}.dkim.amazonses.com.`);
    const local = ['--dev', '--resolver', '127.0.0.1:9', '--resolver-timeout', '200ms'];
    const checked = await signet(['dkim', 'check', DOMAIN, ...local], env);
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stdout, new RegExp(`^${DOMAIN}: DKIM Success, verification Success\n`));
    const doctor = await signet(['dkim', 'doctor', DOMAIN, ...local], env);
    assert.equal(doctor.status, 0, doctor.stderr);
    const missing = await signet(['dkim', 'check', 'nosuch.example.com', ...local], env);
    assert.equal(missing.status, 254);
    assert.equal(missing.stderr, 'signet: Identity nosuch.example.com does not exist.\n');
  });
});

describe('the README lists every /_signet/ route', () => {
  it('with its methods in the table and a curl example', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const [name, methods] of Object.entries(SIGNET_ROUTES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`/_signet/${name}\` |`));
      assert.ok(row, `a table row for /_signet/${name}`);
      assert.equal(row.split('|')[2]!.trim(), methods.join(', '), `the methods of /_signet/${name}`);
      assert.match(readme, new RegExp(`^curl .*localhost:8580/_signet/${name}\\b`, 'm'), `a curl example for /_signet/${name}`);
    }
  });
});
