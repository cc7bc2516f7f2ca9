import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_KEY } from './helpers/dev-domain.ts';
import { verificationLinkFromStore } from './helpers/outbox-store.ts';
import { findAwsCliV2, findPython, peerOrSkip, runAsync } from './helpers/peers.ts';
import { callSigned } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * Issue 13's identity operations driven by boto3 and the AWS CLI v2 against a plain `signet serve
 * --dev`: the legacy verified-address calls (boto3 only: the AWS CLI v2 removed them from `aws ses`),
 * notification settings, sending authorization policies (v1 and v2, one store), GetSendStatistics.
 * Each client works in its own region, so neither sees the other's identities or statistics.
 */
// biome-ignore lint/suspicious/noExplicitAny: the peers' output is whatever they print; the assertions check it.
type Json = Record<string, any>;

interface Outcome {
  readonly ok: boolean;
  readonly json: Json;
  /** The error code when not ok. */
  readonly code: string | null;
}

/** One call as each client makes it: `api` v1 (ses) or v2 (sesv2), the operation in boto3's snake case. */
type Call = (api: 'ses' | 'sesv2', operation: string, params: Json) => Promise<Outcome>;

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllowSend', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ses:SendEmail', 'ses:SendRawEmail'], Resource: '*' },
  ],
});

let server: RunningSignet;
const data = tempDir('idops-peers');
const home = tempDir('idops-peers-home');

/** VerifyDomainDkim, its CNAMEs in the dev sandbox, one detection check: the domain is verified in `region`. */
async function verifiedDomain(domain: string, region: string): Promise<void> {
  const made = await callSigned(server.url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${domain}`, DEV_KEY, region);
  assert.equal(made.status, 200, made.body);
  const post = (path: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain, region }) });
  assert.equal((await post('/_signet/publish-dkim-records')).status, 200);
  const check = (await (await post('/_signet/check')).json()) as { dkimStatus: string };
  assert.equal(check.dkimStatus, 'Success', JSON.stringify(check));
}

function boto3Client(python: string, region: string): Call {
  return async (api, operation, params) => {
    const script = join(import.meta.dirname, 'helpers', api === 'ses' ? 'boto3-call.py' : 'boto3-sesv2-call.py');
    const r = await runAsync(python, [script, server.url, region, DEV_KEY.accessKeyId, DEV_KEY.secretAccessKey, operation, JSON.stringify(params)], {});
    assert.ok(r.status === 0 || r.status === 3, `boto3 ${operation}: exit ${r.status}: ${r.stdout}${r.stderr}`);
    const json = JSON.parse(r.stdout) as Json;
    return { ok: r.status === 0, json, code: r.status === 0 ? null : (json['Error']?.['Code'] ?? null) };
  };
}

/** boto3's parameters as the AWS CLI's options: `PolicyNames` -> `--policy-names a b`, booleans as flags. */
function cliArgs(params: Json): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const option = `--${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
    if (typeof value === 'boolean') args.push(value ? option : option.replace(/^--/, '--no-'));
    else if (Array.isArray(value)) args.push(option, ...value.map(String));
    else args.push(option, String(value));
  }
  return args;
}

function cliClient(bin: string, region: string): Call {
  const env = {
    AWS_ACCESS_KEY_ID: DEV_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEV_KEY.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    HOME: home.path,
    AWS_CONFIG_FILE: join(home.path, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home.path, 'none'),
    AWS_PAGER: '',
  };
  return async (api, operation, params) => {
    const command = operation.replaceAll('_', '-');
    const r = await runAsync(bin, [api, command, ...cliArgs(params), '--endpoint-url', server.url, '--output', 'json'], env);
    assert.ok(r.status === 0 || r.status === 254, `aws ${api} ${command}: exit ${r.status}: ${r.stderr}`);
    const code = /An error occurred \(([A-Za-z]+)\)/.exec(r.stderr)?.[1] ?? null;
    return { ok: r.status === 0, json: r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Json), code };
  };
}

async function scenario(call: Call, region: string, domain: string, legacy: boolean): Promise<void> {
  const ok = async (api: 'ses' | 'sesv2', operation: string, params: Json = {}) => {
    const r = await call(api, operation, params);
    assert.ok(r.ok, `${operation}: ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const fails = async (api: 'ses' | 'sesv2', operation: string, params: Json, code: string) => {
    const r = await call(api, operation, params);
    assert.equal(r.ok, false, `${operation} should fail`);
    assert.equal(r.code, code, `${operation}: ${JSON.stringify(r.json)}`);
  };
  await verifiedDomain(domain, region);
  const topic = (name: string) => `arn:aws:sns:${region}:000000000000:${name}`;

  // The legacy address calls: the same identities as VerifyEmailIdentity.
  if (legacy) {
    const address = `legacy@${domain}`;
    await ok('ses', 'verify_email_address', { EmailAddress: address });
    assert.ok((await ok('ses', 'list_identities')).Identities.includes(address));
    // Listed once verified: the owner follows the link (unless the server verified it at once).
    const link = verificationLinkFromStore(data.path, address);
    if (link !== null) assert.equal((await fetch(link)).status, 200);
    assert.deepEqual((await ok('ses', 'list_verified_email_addresses')).VerifiedEmailAddresses, [address]);
    await ok('ses', 'delete_verified_email_address', { EmailAddress: address });
    assert.deepEqual((await ok('ses', 'list_verified_email_addresses')).VerifiedEmailAddresses, []);
    assert.ok(!(await ok('ses', 'list_identities')).Identities.includes(address));
  }

  // Notifications: topics, forwarding (off only with both topics), headers.
  const defaults = (await ok('ses', 'get_identity_notification_attributes', { Identities: [domain, `nobody.${domain}`] })).NotificationAttributes;
  assert.deepEqual(defaults, {
    [domain]: {
      ForwardingEnabled: true,
      HeadersInBounceNotificationsEnabled: false,
      HeadersInComplaintNotificationsEnabled: false,
      HeadersInDeliveryNotificationsEnabled: false,
    },
  });
  await fails('ses', 'set_identity_feedback_forwarding_enabled', { Identity: domain, ForwardingEnabled: false }, 'InvalidParameterValue');
  await ok('ses', 'set_identity_notification_topic', { Identity: domain, NotificationType: 'Bounce', SnsTopic: topic('bounces') });
  await ok('ses', 'set_identity_notification_topic', { Identity: domain, NotificationType: 'Complaint', SnsTopic: topic('complaints') });
  await ok('ses', 'set_identity_feedback_forwarding_enabled', { Identity: domain, ForwardingEnabled: false });
  await ok('ses', 'set_identity_headers_in_notifications_enabled', { Identity: domain, NotificationType: 'Bounce', Enabled: true });
  assert.deepEqual((await ok('ses', 'get_identity_notification_attributes', { Identities: [domain] })).NotificationAttributes[domain], {
    BounceTopic: topic('bounces'),
    ComplaintTopic: topic('complaints'),
    ForwardingEnabled: false,
    HeadersInBounceNotificationsEnabled: true,
    HeadersInComplaintNotificationsEnabled: false,
    HeadersInDeliveryNotificationsEnabled: false,
  });
  assert.equal((await ok('sesv2', 'get_email_identity', { EmailIdentity: domain })).FeedbackForwardingStatus, false, 'v2 reads the same setting');
  await fails('ses', 'set_identity_notification_topic', { Identity: `pending@unverified-${domain}`, NotificationType: 'Bounce' }, 'InvalidParameterValue');

  // Policies: v1 and v2 on one store.
  await ok('ses', 'put_identity_policy', { Identity: domain, PolicyName: 'v1-policy', Policy: POLICY });
  await ok('sesv2', 'create_email_identity_policy', { EmailIdentity: domain, PolicyName: 'v2_policy', Policy: POLICY });
  await fails('sesv2', 'create_email_identity_policy', { EmailIdentity: domain, PolicyName: 'v1-policy', Policy: POLICY }, 'AlreadyExistsException');
  await ok('sesv2', 'update_email_identity_policy', { EmailIdentity: domain, PolicyName: 'v1-policy', Policy: POLICY.replace('AllowSend', 'Updated') });
  assert.deepEqual((await ok('ses', 'list_identity_policies', { Identity: domain })).PolicyNames, ['v1-policy', 'v2_policy']);
  assert.deepEqual((await ok('ses', 'get_identity_policies', { Identity: domain, PolicyNames: ['v1-policy', 'missing'] })).Policies, {
    'v1-policy': POLICY.replace('AllowSend', 'Updated'),
  });
  assert.deepEqual(Object.keys((await ok('sesv2', 'get_email_identity_policies', { EmailIdentity: domain })).Policies).sort(), ['v1-policy', 'v2_policy']);
  await fails('ses', 'put_identity_policy', { Identity: domain, PolicyName: 'bad', Policy: '{"Statement": []}' }, 'InvalidPolicy');
  await fails('sesv2', 'get_email_identity_policies', { EmailIdentity: `nobody.${domain}` }, 'NotFoundException');
  await ok('ses', 'delete_identity_policy', { Identity: domain, PolicyName: 'v1-policy' });
  await ok('sesv2', 'delete_email_identity_policy', { EmailIdentity: domain, PolicyName: 'v2_policy' });
  assert.deepEqual((await ok('ses', 'list_identity_policies', { Identity: domain })).PolicyNames, []);

  // GetSendStatistics: one message to two recipients is one data point of two delivery attempts.
  assert.deepEqual((await ok('ses', 'get_send_statistics')).SendDataPoints ?? [], []);
  await ok('ses', 'send_email', {
    Source: `sender@${domain}`,
    Destination: { ToAddresses: ['a@example.org', 'b@example.org'] },
    Message: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } },
  });
  const points = (await ok('ses', 'get_send_statistics')).SendDataPoints;
  assert.equal(points.length, 1, JSON.stringify(points));
  assert.equal(points[0].DeliveryAttempts, 2);
  assert.deepEqual([points[0].Bounces, points[0].Complaints, points[0].Rejects], [0, 0, 0]);
  assert.match(points[0].Timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:(00|15|30|45):00\+00:00$/);
}

describe('issue 13 identity operations through boto3 and the AWS CLI v2 against signet serve --dev', () => {
  before(async () => {
    server = await startSignet(['--dev', '--data-dir', data.path, '--key-pool-size', '0', '--key-bits', '1024', '--log-level', 'warn']);
  });
  after(async () => {
    await server?.stop();
    data.remove();
    home.remove();
  });

  const python = findPython(['boto3']);
  it('boto3', peerOrSkip('boto3', python, 'pip install boto3'), async () => {
    await scenario(boto3Client(python!, 'eu-west-1'), 'eu-west-1', 'boto.example.com', true);
  });

  const aws = findAwsCliV2();
  it('AWS CLI v2', peerOrSkip('AWS CLI v2', aws, 'apt-get install awscli'), async () => {
    // The CLI's send-email takes --from/--to/...: the scenario's one send goes through its options.
    const cli = cliClient(aws!, 'ap-southeast-2');
    const call: Call = (api, operation, params) =>
      operation === 'send_email'
        ? cli(api, operation, { From: params['Source'], To: params['Destination'].ToAddresses, Subject: 's', Text: 'b' })
        : cli(api, operation, params);
    await scenario(call, 'ap-southeast-2', 'cli.example.com', false);
  });
});
