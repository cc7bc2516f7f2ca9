import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteIdentityCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  paginateListIdentities,
  SESClient,
  SetIdentityDkimEnabledCommand,
  VerifyDomainDkimCommand,
  VerifyDomainIdentityCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import { findAwsCliV1, findAwsCliV2, findPython, peerOrSkip, run } from './helpers/peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * The SES identity API driven by clients that are not ours: AWS CLI v1 and v2, boto3 and the AWS SDK
 * for JavaScript v3, each in its own region (identities are per region, so the runs cannot see each
 * other's identities, which the scenario also checks).
 */
interface Client {
  verifyDomainDkim(domain: string): Promise<string[]>;
  verifyDomainIdentity(domain: string): Promise<string>;
  verifyEmailIdentity(address: string): Promise<void>;
  dkimAttributes(identities: string[]): Promise<Record<string, { DkimEnabled: boolean; DkimVerificationStatus: string; DkimTokens?: string[] }>>;
  verificationAttributes(identities: string[]): Promise<Record<string, { VerificationStatus: string; VerificationToken?: string }>>;
  setDkimEnabled(identity: string, enabled: boolean): Promise<void>;
  deleteIdentity(identity: string): Promise<void>;
  /** Every identity, fetched two per request by the client's own paginator. */
  listAllPageSize2(): Promise<string[]>;
  /**
   * At most 3 identities, continuing from `token` (the client's own starting-token form), fetched in
   * server pages of `pageSize` when given.
   */
  listMaxItems3(token: string | null, pageSize?: number): Promise<{ names: string[]; next: string | null }>;
}

/** The key pair the server created on its first start (set in `before`). */
let KEY = { accessKeyId: '', secretAccessKey: '' };

function cliClient(bin: string, endpoint: string, region: string, home: string): Client {
  const env = {
    AWS_ACCESS_KEY_ID: KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_PAGER: '',
  };
  const ses = (...args: string[]) => {
    const result = run(bin, ['ses', ...args, '--endpoint-url', endpoint, '--output', 'json'], env);
    assert.equal(result.status, 0, `${bin} ses ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
  };
  return {
    verifyDomainDkim: async (d) => ses('verify-domain-dkim', '--domain', d).DkimTokens,
    verifyDomainIdentity: async (d) => ses('verify-domain-identity', '--domain', d).VerificationToken,
    verifyEmailIdentity: async (a) => void ses('verify-email-identity', '--email-address', a),
    dkimAttributes: async (ids) => ses('get-identity-dkim-attributes', '--identities', ...ids).DkimAttributes,
    verificationAttributes: async (ids) => ses('get-identity-verification-attributes', '--identities', ...ids).VerificationAttributes,
    setDkimEnabled: async (id, on) => void ses('set-identity-dkim-enabled', '--identity', id, on ? '--dkim-enabled' : '--no-dkim-enabled'),
    deleteIdentity: async (id) => void ses('delete-identity', '--identity', id),
    listAllPageSize2: async () => ses('list-identities', '--page-size', '2').Identities,
    listMaxItems3: async (token, pageSize) => {
      const out = ses(
        'list-identities',
        '--max-items',
        '3',
        ...(pageSize ? ['--page-size', String(pageSize)] : []),
        ...(token ? ['--starting-token', token] : []),
      );
      return { names: out.Identities, next: out.NextToken ?? null };
    },
  };
}

function boto3Client(python: string, endpoint: string, region: string): Client {
  const script = join(import.meta.dirname, 'helpers', 'boto3-call.py');
  const call = (operation: string, params: object, pagination?: object) => {
    const args = [
      script,
      endpoint,
      region,
      KEY.accessKeyId,
      KEY.secretAccessKey,
      operation,
      JSON.stringify(params),
      ...(pagination ? [JSON.stringify(pagination)] : []),
    ];
    const result = run(python, args, {});
    assert.equal(result.status, 0, `boto3 ${operation} failed: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  return {
    verifyDomainDkim: async (d) => call('verify_domain_dkim', { Domain: d }).DkimTokens,
    verifyDomainIdentity: async (d) => call('verify_domain_identity', { Domain: d }).VerificationToken,
    verifyEmailIdentity: async (a) => void call('verify_email_identity', { EmailAddress: a }),
    dkimAttributes: async (ids) => call('get_identity_dkim_attributes', { Identities: ids }).DkimAttributes,
    verificationAttributes: async (ids) => call('get_identity_verification_attributes', { Identities: ids }).VerificationAttributes,
    setDkimEnabled: async (id, on) => void call('set_identity_dkim_enabled', { Identity: id, DkimEnabled: on }),
    deleteIdentity: async (id) => void call('delete_identity', { Identity: id }),
    listAllPageSize2: async () => call('list_identities', {}, { PageSize: 2 }).Identities,
    listMaxItems3: async (token, pageSize) => {
      const config = { MaxItems: 3, ...(pageSize ? { PageSize: pageSize } : {}), ...(token ? { StartingToken: token } : {}) };
      const out = call('list_identities', {}, config);
      return { names: out.Identities, next: out.NextToken ?? null };
    },
  };
}

function sdkClient(endpoint: string, region: string): Client {
  const client = new SESClient({ endpoint, region, credentials: KEY });
  return {
    verifyDomainDkim: async (d) => (await client.send(new VerifyDomainDkimCommand({ Domain: d }))).DkimTokens!,
    verifyDomainIdentity: async (d) => (await client.send(new VerifyDomainIdentityCommand({ Domain: d }))).VerificationToken!,
    verifyEmailIdentity: async (a) => void (await client.send(new VerifyEmailIdentityCommand({ EmailAddress: a }))),
    dkimAttributes: async (ids) => (await client.send(new GetIdentityDkimAttributesCommand({ Identities: ids }))).DkimAttributes as never,
    verificationAttributes: async (ids) =>
      (await client.send(new GetIdentityVerificationAttributesCommand({ Identities: ids }))).VerificationAttributes as never,
    setDkimEnabled: async (id, on) => void (await client.send(new SetIdentityDkimEnabledCommand({ Identity: id, DkimEnabled: on }))),
    deleteIdentity: async (id) => void (await client.send(new DeleteIdentityCommand({ Identity: id }))),
    listAllPageSize2: async () => {
      const names: string[] = [];
      for await (const page of paginateListIdentities({ client, pageSize: 2 }, {})) names.push(...(page.Identities ?? []));
      return names;
    },
    // The SDK has no client-side truncation: MaxItems goes to the server, whose keyset token is exact.
    listMaxItems3: async (token) => {
      const out = await client.send(new ListIdentitiesCommand({ MaxItems: 3, ...(token ? { NextToken: token } : {}) }));
      return { names: out.Identities ?? [], next: out.NextToken ?? null };
    },
  };
}

/** Follows starting tokens to the end, checking that no page holds more than 3. */
async function walk(client: Client, start: string | null, pageSize: number | null): Promise<string[]> {
  const names: string[] = [];
  let token = start;
  do {
    const page = await client.listMaxItems3(token, pageSize ?? undefined);
    assert.ok(page.names.length <= 3);
    names.push(...page.names);
    token = page.next;
  } while (token);
  return names;
}

async function scenario(client: Client): Promise<void> {
  // verify-domain-dkim: three distinct 32-character tokens, the same three again, others for another domain.
  const tokens = await client.verifyDomainDkim('example.com');
  assert.equal(tokens.length, 3);
  assert.equal(new Set(tokens).size, 3);
  for (const t of tokens) assert.match(t, /^[a-z2-7]{32}$/);
  assert.deepEqual(await client.verifyDomainDkim('example.com'), tokens);
  assert.deepEqual(await client.verifyDomainDkim('EXAMPLE.com.'), tokens, 'the normal form is the same domain');
  const other = await client.verifyDomainDkim('other.example');
  assert.equal(other.filter((t) => tokens.includes(t)).length, 0);

  // get-identity-dkim-attributes: Pending, enabled, the tokens; unknown identities are omitted.
  const attrs = await client.dkimAttributes(['example.com', 'unknown.example']);
  assert.deepEqual(Object.keys(attrs), ['example.com']);
  assert.deepEqual(attrs['example.com'], { DkimEnabled: true, DkimVerificationStatus: 'Pending', DkimTokens: tokens });

  await client.setDkimEnabled('example.com', false);
  assert.equal((await client.dkimAttributes(['example.com']))['example.com']!.DkimEnabled, false);
  await client.setDkimEnabled('example.com', true);
  assert.equal((await client.dkimAttributes(['example.com']))['example.com']!.DkimEnabled, true);

  // verify-domain-identity and get-identity-verification-attributes agree on the token.
  const verification = await client.verifyDomainIdentity('third.example');
  assert.match(verification, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(await client.verifyDomainIdentity('third.example'), verification);
  await client.verifyEmailIdentity('someone@example.com');
  const va = await client.verificationAttributes(['third.example', 'someone@example.com']);
  assert.deepEqual(va['third.example'], { VerificationStatus: 'Pending', VerificationToken: verification });
  assert.deepEqual(va['someone@example.com'], { VerificationStatus: 'Pending' });

  // Seven identities in all.
  await client.verifyEmailIdentity('second@example.com');
  await client.verifyDomainIdentity('fourth.example');
  await client.verifyDomainDkim('fifth.example');
  const seven = ['example.com', 'other.example', 'third.example', 'someone@example.com', 'second@example.com', 'fourth.example', 'fifth.example'];
  const all = await client.listAllPageSize2();
  assert.deepEqual([...all].sort(), [...seven].sort());

  // --max-items 3 with --starting-token: no duplicate, none missing.
  assert.deepEqual(await walk(client, null, null), seven);

  // The same walk with a delete in between. The AWS CLI and boto3 cut pages on the client: their
  // starting token is the server's NextToken of the page under way plus how many of its items were
  // already printed (botocore's boto_truncate_amount). So the walk runs in server pages of 2, and the
  // identity deleted from the part already seen lies in a page the server has finished with; the
  // server's keyset token then keeps every later identity in place. A not-yet-seen one is deleted too.
  const first = await client.listMaxItems3(null, 2);
  assert.deepEqual(first.names, seven.slice(0, 3));
  const deletedSeen = first.names[0]!;
  const deletedUnseen = seven[5]!;
  await client.deleteIdentity(deletedSeen);
  await client.deleteIdentity(deletedUnseen);
  const walked = [...first.names, ...(await walk(client, first.next, 2))];
  assert.equal(new Set(walked).size, walked.length, `no duplicate in ${walked}`);
  assert.deepEqual(
    walked,
    seven.filter((n) => n !== deletedUnseen),
  );
  const remaining = await client.listAllPageSize2();
  assert.equal(remaining.length, 5);
  assert.ok(!remaining.includes(deletedSeen) && !remaining.includes(deletedUnseen));
  // delete-identity removes it from the attributes too; deleting again is not an error.
  assert.deepEqual(await client.dkimAttributes([deletedSeen]), {});
  await client.deleteIdentity(deletedSeen);
}

describe('the SES identity API with real clients', () => {
  let server: RunningSignet;
  const data = tempDir('peers');
  const home = tempDir('peers-home');
  before(async () => {
    // Every request is SigV4-verified against the key pair the server creates on first start;
    // throttling is off here (it has its own test), since the CLIs would otherwise retry and wait.
    server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '24', '--log-level', 'warn', '--no-throttle']);
    assert.ok(server.credentials, 'the first start prints the new key pair');
    KEY = { accessKeyId: server.credentials.accessKeyId, secretAccessKey: server.credentials.secretAccessKey };
  });
  after(async () => {
    assert.equal(await server.stop(), 0, 'signet serve exits cleanly on SIGTERM');
    data.remove();
    home.remove();
  });

  const v1 = findAwsCliV1();
  it('AWS CLI v1', peerOrSkip('AWS CLI v1', v1, 'pip install awscli'), async () => {
    await scenario(cliClient(v1!, server.url, 'eu-west-1', home.path));
  });

  const v2 = findAwsCliV2();
  it('AWS CLI v2', peerOrSkip('AWS CLI v2', v2, 'apt-get install awscli'), async () => {
    await scenario(cliClient(v2!, server.url, 'us-west-2', home.path));
  });

  const python = findPython(['boto3']);
  it('boto3', peerOrSkip('boto3', python, 'pip install boto3'), async () => {
    await scenario(boto3Client(python!, server.url, 'ap-south-1'));
  });

  it('AWS SDK for JavaScript v3', async () => {
    await scenario(sdkClient(server.url, 'us-east-2'));
  });
});
