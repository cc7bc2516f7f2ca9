import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { ListIdentitiesCommand, SESClient, VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import { findAwsCliV2, findPython, peerOrSkip, run } from './helpers/peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';
import { makeTestCa, openssl, type TestCa } from './helpers/test-ca.ts';

/** The certificate a TLS listener presents to a new connection, as its SHA-256 fingerprint. */
async function presented(port: number): Promise<string> {
  const socket: TLSSocket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const fingerprint = new X509Certificate(socket.getPeerX509Certificate()!.raw).fingerprint256;
  socket.destroy();
  return fingerprint;
}

/**
 * Issue 19, item 1: the SES API over HTTPS with `--tls-cert`/`--tls-key`, driven by the AWS CLI v2,
 * boto3 and the JavaScript SDK, each trusting only a test CA made here with openssl; SIGHUP swaps the
 * certificate (API and SMTP alike) while clients keep calling, and no call fails.
 */
describe('HTTPS API (--tls-cert/--tls-key)', { skip: peerOrSkip('openssl', openssl(), 'apt-get install openssl').skip }, () => {
  const dir = tempDir('https-api');
  let ca: TestCa;
  let first: { certFile: string; keyFile: string; fingerprint: string };
  let second: { certFile: string; keyFile: string; fingerprint: string };
  let server: RunningSignet;
  const certFile = join(dir.path, 'live-cert.pem');
  const keyFile = join(dir.path, 'live-key.pem');
  const region = 'us-east-1';

  before(async () => {
    ca = makeTestCa(dir.path);
    first = ca.issue('first');
    second = ca.issue('second');
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    server = await startSignet([
      '--data-dir',
      join(dir.path, 'data'),
      '--key-pool-size',
      '0',
      '--no-throttle',
      '--log-level',
      'warn',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    ]);
  });
  after(async () => {
    await server?.stop();
    dir.remove();
  });

  const sdk = (keepAlive: boolean) =>
    new SESClient({
      endpoint: server.url,
      region,
      credentials: { accessKeyId: server.credentials!.accessKeyId, secretAccessKey: server.credentials!.secretAccessKey },
      // The SDK's CA option: its Node handler's https.Agent, which trusts the test CA alone.
      requestHandler: { httpsAgent: new Agent({ ca: readFileSync(ca.caFile, 'utf8'), keepAlive }) },
    });

  it('listens on https:// and presents the files’ certificate on the API and SMTP', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await presented(server.port), first.fingerprint);
    assert.equal(await presented(server.smtp.tlsPort!), first.fingerprint, 'SMTP shares the certificate');
  });

  it('refuses a client that does not trust the CA (the certificate is really checked)', async () => {
    const client = new SESClient({
      endpoint: server.url,
      region,
      credentials: { accessKeyId: server.credentials!.accessKeyId, secretAccessKey: server.credentials!.secretAccessKey },
      maxAttempts: 1,
    });
    await assert.rejects(client.send(new ListIdentitiesCommand({})), /self[- ]signed|unable to (get|verify)|certificate/i);
  });

  it('the JavaScript SDK (https.Agent with the CA)', async () => {
    const client = sdk(true);
    const out = await client.send(new VerifyDomainIdentityCommand({ Domain: 'sdk.https.example' }));
    assert.match(out.VerificationToken!, /^[A-Za-z0-9+/=]{20,}$/);
    const list = await client.send(new ListIdentitiesCommand({}));
    assert.ok(list.Identities!.includes('sdk.https.example'));
  });

  const aws = findAwsCliV2();
  it('AWS CLI v2 with --ca-bundle', peerOrSkip('AWS CLI v2', aws, 'apt-get install awscli'), () => {
    const env = {
      AWS_ACCESS_KEY_ID: server.credentials!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials!.secretAccessKey,
      AWS_DEFAULT_REGION: region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const common = ['--endpoint-url', server.url, '--ca-bundle', ca.caFile, '--output', 'json'];
    const verify = run(aws!, ['ses', 'verify-domain-identity', '--domain', 'cli.https.example', ...common], env);
    assert.equal(verify.status, 0, verify.stderr);
    assert.ok(JSON.parse(verify.stdout).VerificationToken);
    const list = run(aws!, ['ses', 'list-identities', ...common], env);
    assert.equal(list.status, 0, list.stderr);
    assert.ok(JSON.parse(list.stdout).Identities.includes('cli.https.example'));
    // Without the bundle the CLI refuses the test CA's certificate.
    const refused = run(aws!, ['ses', 'list-identities', '--endpoint-url', server.url], env);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SSL|certificate/i);
  });

  const python = findPython(['boto3']);
  it('boto3 with verify=CA', peerOrSkip('boto3', python, 'pip install boto3'), () => {
    const script = [
      'import boto3, sys, json',
      'c = boto3.client("ses", endpoint_url=sys.argv[1], region_name=sys.argv[2], aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4], verify=sys.argv[5])',
      'c.verify_domain_identity(Domain="boto3.https.example")',
      'print(json.dumps(c.list_identities()["Identities"]))',
    ].join('\n');
    const out = run(python!, ['-c', script, server.url, region, server.credentials!.accessKeyId, server.credentials!.secretAccessKey, ca.caFile], {});
    assert.equal(out.status, 0, out.stderr);
    assert.ok(JSON.parse(out.stdout).includes('boto3.https.example'));
  });

  it('SIGHUP with a new certificate: picked up by new connections, no call fails meanwhile', async () => {
    const pooled = sdk(true);
    const fresh = sdk(false);
    let stop = false;
    const failures: unknown[] = [];
    let calls = 0;
    const loop = async (client: SESClient) => {
      while (!stop) {
        try {
          await client.send(new ListIdentitiesCommand({}));
          calls++;
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const loops = [loop(pooled), loop(fresh), loop(pooled), loop(fresh)];
    try {
      await new Promise((r) => setTimeout(r, 300));
      copyFileSync(second.certFile, certFile);
      copyFileSync(second.keyFile, keyFile);
      server.process.kill('SIGHUP');
      let now = '';
      // Generous bound for a loaded CI machine; it is usually the next handshake.
      for (let i = 0; i < 100 && now !== second.fingerprint; i++) {
        await new Promise((r) => setTimeout(r, 100));
        now = await presented(server.port);
      }
      assert.equal(now, second.fingerprint, 'new API connections get the reloaded certificate');
      assert.equal(await presented(server.smtp.tlsPort!), second.fingerprint, 'and so do new SMTP connections');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.deepEqual(failures, [], 'no call failed across the reload');
    assert.ok(calls > 10, `the clients kept calling (${calls} calls)`);
  });

  it('a broken file on SIGHUP keeps the previous certificate', async () => {
    copyFileSync(first.certFile, certFile); // the key no longer matches the certificate
    server.process.kill('SIGHUP');
    for (let i = 0; i < 50 && !/TLS certificate reload failed/.test(server.stdout()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(server.stdout(), /TLS certificate reload failed; the previous one stays/);
    assert.equal(await presented(server.port), second.fingerprint);
    const list = await sdk(false).send(new ListIdentitiesCommand({}));
    assert.ok(list.Identities);
  });
});
