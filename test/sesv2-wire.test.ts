import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, ListEmailIdentitiesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { signedV2 } from './helpers/sign-v2.ts';
import { run } from './helpers/peers.ts';
import { postRaw, signForm } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** A peer's JSON answer, read loosely: the test asserts the members it needs. */
// biome-ignore lint/suspicious/noExplicitAny: the peers' output is whatever they print; the assertions check it.
type PeerJson = Record<string, any>;

interface Key {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** Sends exactly this method, wire path (still percent-encoded), headers and body. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signed as aws-sdk-js-v3 signs (see helpers/sign-v2.ts); returns the headers to send. */
async function signed(url: string, key: Key, method: string, path: string, body = '', region = 'us-east-1'): Promise<Record<string, string>> {
  return (await signedV2(url, key, method, path, body, { region })).headers;
}

/**
 * Where a JSON body holds null (SES v2 leaves a member out rather than send null). Not a search for
 * the text "null": the body's random DKIM tokens ([a-z2-7]) spell it about one run in 12,000.
 */
function nullsIn(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => nullsIn(inner, `${path}.${key}`));
}

function admin(dataDir: string, ...args: string[]): PeerJson {
  const result = run(process.execPath, [SIGNET_BIN, 'admin', ...args, '--data-dir', dataDir], {});
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function newKey(dataDir: string): Key {
  const accountId = admin(dataDir, 'create-account').AccountId as string;
  const key = admin(dataDir, 'create-access-key', '--account-id', accountId).AccessKey;
  return { accountId, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
}

/** The v2 wire rules, on a server that verifies every signature and throttles as SES does (1 call/s). */
describe('SES v2 on the wire: SigV4, error shape, throttling shared with v1, account isolation', () => {
  const data = tempDir('sesv2-wire');
  let server: RunningSignet;
  let a: Key;
  let b: Key;
  const call = async (key: Key, method: string, path: string, body = '', region = 'us-east-1') =>
    send(server.url, method, path, await signed(server.url, key, method, path, body, region), body);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '12',
      '--throttle-rate',
      '1',
      '--throttle-burst',
      '1',
      '--log-level',
      'warn',
    ]);
    a = newKey(data.path);
    b = newKey(data.path);
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  it('accepts @smithy-signed requests with encoded labels, queries and signed payload hashes', async () => {
    const created = await call(a, 'POST', '/v2/email/identities', JSON.stringify({ EmailIdentity: 'user+tag/x@example.com' }));
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(JSON.parse(created.text), { IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false });
    await sleep(1100);
    const got = await call(a, 'GET', '/v2/email/identities/user%2Btag%2Fx%40example.com');
    assert.equal(got.status, 200, got.text);
    assert.equal(JSON.parse(got.text).IdentityType, 'EMAIL_ADDRESS');
    await sleep(1100);
    const listed = await call(a, 'GET', '/v2/email/identities?PageSize=1');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(JSON.parse(listed.text), {
      EmailIdentities: [{ IdentityType: 'EMAIL_ADDRESS', IdentityName: 'user+tag/x@example.com', SendingEnabled: false, VerificationStatus: 'PENDING' }],
    });
  });

  it('refuses a changed path, query, body or signed header with SignatureDoesNotMatch in v2 shape', async () => {
    const path = '/v2/email/identities/user%2Btag%2Fx%40example.com';
    const headers = await signed(server.url, a, 'GET', path);
    for (const [what, answer] of [
      ['path', await send(server.url, 'GET', '/v2/email/identities/user%2Btag%2Fy%40example.com', headers)],
      ['query', await send(server.url, 'GET', `${path}?x=1`, headers)],
      ['signed header', await send(server.url, 'GET', path, { ...headers, 'amz-sdk-request': 'attempt=2; max=3' })],
    ] as const) {
      assert.equal(answer.status, 403, `${what}: ${answer.text}`);
      assert.equal(answer.headers['x-amzn-errortype'], 'SignatureDoesNotMatch', what);
      assert.deepEqual(Object.keys(JSON.parse(answer.text)), ['message']);
    }
    // A body other than the one whose hash was signed (x-amz-content-sha256 signed, as the JS SDK does).
    const body = JSON.stringify({ SigningEnabled: true });
    const put = await signed(server.url, a, 'PUT', '/v2/email/identities/x.example.com/dkim', body);
    const changed = await send(server.url, 'PUT', '/v2/email/identities/x.example.com/dkim', put, body.replace('true', 'fals'));
    assert.equal(changed.status, 403, changed.text);
    assert.equal(changed.headers['x-amzn-errortype'], 'SignatureDoesNotMatch');
    const unsigned = await send(server.url, 'GET', '/v2/email/account', {});
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers['x-amzn-errortype'], 'MissingAuthenticationToken');
  });

  it('answers errors as x-amzn-ErrorType plus {"message"}, empty outputs as {}, never null, always a request id', async () => {
    await sleep(1100);
    const missing = await call(a, 'GET', '/v2/email/identities/missing.example.com');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-amzn-errortype'], 'NotFoundException');
    assert.match(String(missing.headers['content-type']), /^application\/json\b/);
    assert.deepEqual(JSON.parse(missing.text), { message: 'Email identity missing.example.com does not exist.' });
    assert.match(String(missing.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    await sleep(1100);
    const domain = await call(a, 'POST', '/v2/email/identities', JSON.stringify({ EmailIdentity: 'wire.example.com', Tags: [{ Key: 'k', Value: '' }] }));
    assert.equal(domain.status, 200, domain.text);
    assert.deepEqual(nullsIn(JSON.parse(domain.text)), []);
    assert.equal(typeof JSON.parse(domain.text).DkimAttributes.LastKeyGenerationTimestamp, 'number', 'epoch seconds');
    await sleep(1100);
    const off = await call(a, 'PUT', '/v2/email/identities/wire.example.com/dkim', JSON.stringify({ SigningEnabled: false }));
    assert.deepEqual([off.status, off.text], [200, '{}']);
    await sleep(1100);
    const full = await call(a, 'GET', '/v2/email/identities/wire.example.com');
    assert.deepEqual(nullsIn(JSON.parse(full.text)), []);
    const body = JSON.parse(full.text);
    assert.equal(body.DkimAttributes.SigningEnabled, false);
    assert.deepEqual(body.Tags, [{ Key: 'k', Value: '' }]);
    assert.ok(!('ConfigurationSetName' in body), 'absent members are omitted');
    await sleep(1100);
    // The legacy path of AWS CLI 2.9.19 reaches the same operation; EXTERNAL without a selector and key is refused.
    const signing = await call(a, 'PUT', '/v1/email/identities/wire.example.com/dkim/signing', JSON.stringify({ SigningAttributesOrigin: 'EXTERNAL' }));
    assert.equal(signing.status, 400);
    assert.equal(signing.headers['x-amzn-errortype'], 'BadRequestException');
    assert.match(JSON.parse(signing.text).message, /Bring Your Own DKIM/);
  });

  it('throttles v1 and v2 identity operations from one bucket per account and region (429 in v2)', async () => {
    // Both requests are signed first, then sent back to back. A v2 answer of 200 is only allowed when
    // the bucket had time to refill (1 s at 1 call/s) between the two, which a loaded machine may take;
    // then the pair is tried again.
    let v2: Answer | null = null;
    for (let attempt = 0; attempt < 5 && v2?.status !== 429; attempt++) {
      await sleep(1100);
      const v1Body = 'Action=ListIdentities&Version=2010-12-01';
      const v1Headers = await signForm(server.url, v1Body, a);
      const v2Headers = await signed(server.url, a, 'GET', '/v2/email/identities');
      const started = performance.now();
      const v1 = await postRaw(server.url, v1Headers, v1Body);
      assert.equal(v1.status, 200, v1.body);
      v2 = await send(server.url, 'GET', '/v2/email/identities', v2Headers);
      if (v2.status !== 429) assert.ok(performance.now() - started > 900, `v2 answered ${v2.status} ${v2.text} right after v1`);
    }
    assert.equal(v2!.status, 429, v2!.text);
    assert.equal(v2!.headers['x-amzn-errortype'], 'TooManyRequestsException');
    // Another account, and another region of the same account, have their own buckets.
    assert.equal((await call(b, 'GET', '/v2/email/identities')).status, 200);
    assert.equal((await call(a, 'GET', '/v2/email/identities', '', 'eu-west-1')).status, 200);
    // The SDK treats a 429 as throttling: it retries after a backoff (jittered, so the number of
    // attempts until the bucket refills varies) and succeeds.
    const sdk = new SESv2Client({ endpoint: server.url, region: 'us-east-1', credentials: a, maxAttempts: 20 });
    const out = await sdk.send(new ListEmailIdentitiesCommand({}));
    assert.equal(out.$metadata.httpStatusCode, 200);
  });

  it('keeps accounts and regions apart', async () => {
    await sleep(1100);
    const sdkB = new SESv2Client({ endpoint: server.url, region: 'us-east-1', credentials: b, maxAttempts: 5 });
    await assert.rejects(sdkB.send(new GetEmailIdentityCommand({ EmailIdentity: 'wire.example.com' })), { name: 'NotFoundException' });
    await sleep(1100);
    // The same name in another account is a new identity with its own tokens.
    const mine = await sdkB.send(new CreateEmailIdentityCommand({ EmailIdentity: 'wire.example.com' }));
    await sleep(1100);
    const sdkA = new SESv2Client({ endpoint: server.url, region: 'us-east-1', credentials: a, maxAttempts: 5 });
    const theirs = await sdkA.send(new GetEmailIdentityCommand({ EmailIdentity: 'wire.example.com' }));
    assert.equal(mine.DkimAttributes!.Tokens!.filter((t) => theirs.DkimAttributes!.Tokens!.includes(t)).length, 0);
    const westA = new SESv2Client({ endpoint: server.url, region: 'eu-west-1', credentials: a, maxAttempts: 5 });
    assert.deepEqual((await westA.send(new ListEmailIdentitiesCommand({}))).EmailIdentities, []);
  });
});
