import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { coreConfig } from '../src/config/config.ts';
import { createSignet, systemRandom } from '../src/main/signet.ts';
import { findAwsCliV2, peerOrSkip, run, runAsync } from './helpers/peers.ts';
import { callSigned, postRaw, signForm } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A pass-through HTTP proxy that keeps a copy of every request the AWS CLI sends. */
async function recordingProxy(target: string): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const upstream = httpRequest(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

function headersOf(recorded: Recorded): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(recorded.headers)) if (typeof v === 'string') out[k] = v;
  return out;
}

describe('SigV4 enforcement with the real AWS CLI v2', () => {
  const aws = findAwsCliV2();
  const data = tempDir('auth');
  const home = tempDir('auth-home');
  let server: RunningSignet;
  let key: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '6', '--no-throttle', '--log-level', 'warn']);
    key = server.credentials!;
  });
  after(async () => {
    await server.stop();
    data.remove();
    home.remove();
  });
  const cli = (args: string[], env: Record<string, string>) =>
    run(aws!, ['ses', ...args, '--endpoint-url', server.url, '--region', 'us-east-1'], {
      HOME: home.path,
      AWS_CONFIG_FILE: `${home.path}/none`,
      AWS_SHARED_CREDENTIALS_FILE: `${home.path}/none`,
      AWS_PAGER: '',
      ...env,
    });
  const good = () => ({ AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
  const skip = peerOrSkip('AWS CLI v2', aws, 'apt-get install awscli');

  it('accepts the right key, with and without a session token', skip, () => {
    assert.equal(cli(['verify-domain-dkim', '--domain', 'ok.example'], good()).status, 0);
    const withToken = cli(['get-send-quota'], { ...good(), AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLETOKEN' });
    assert.equal(withToken.status, 0, withToken.stderr);
  });

  it('refuses a wrong secret: exit 254, SignatureDoesNotMatch', skip, () => {
    const r = cli(['verify-domain-dkim', '--domain', 'x.example'], { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    assert.equal(r.status, 254);
    assert.match(r.stderr, /An error occurred \(SignatureDoesNotMatch\) when calling the VerifyDomainDkim operation: The request signature we calculated/);
  });

  it('refuses an unknown key id: InvalidClientTokenId', skip, () => {
    const r = cli(['verify-domain-dkim', '--domain', 'x.example'], { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
    assert.equal(r.status, 254);
    assert.match(r.stderr, /\(InvalidClientTokenId\) when calling the VerifyDomainDkim operation: The security token included in the request is invalid\./);
  });

  it('refuses --no-sign-request: MissingAuthenticationToken', skip, () => {
    const r = cli(['verify-domain-dkim', '--domain', 'x.example', '--no-sign-request'], {});
    assert.equal(r.status, 254);
    assert.match(r.stderr, /\(MissingAuthenticationToken\) when calling the VerifyDomainDkim operation: Request is missing Authentication Token/);
  });

  it('refuses the CLI request replayed 16 minutes later, or with its body changed', skip, async () => {
    const proxy = await recordingProxy(server.url);
    try {
      const r = await runAsync(aws!, ['ses', 'verify-domain-dkim', '--domain', 'replay.example', '--endpoint-url', proxy.url, '--region', 'us-east-1'], {
        HOME: home.path,
        AWS_CONFIG_FILE: `${home.path}/none`,
        AWS_SHARED_CREDENTIALS_FILE: `${home.path}/none`,
        ...good(),
      });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      await proxy.close();
    }
    const recorded = proxy.requests.at(-1)!;
    const headers = headersOf(recorded);
    assert.match(headers['authorization']!, /^AWS4-HMAC-SHA256 Credential=AKIA/);

    // Replayed now, unchanged: still inside the 15-minute window, so accepted (as AWS does).
    assert.equal((await postRaw(`${server.url}${recorded.url}`, headers, recorded.body)).status, 200);

    // The body changed after signing (same length, another domain): refused.
    const changed = Buffer.from(recorded.body.toString('latin1').replace('replay.example', 'hijack.example'), 'latin1');
    const forged = await postRaw(`${server.url}${recorded.url}`, { ...headers, 'content-length': String(changed.length) }, changed);
    assert.equal(forged.status, 403);
    assert.equal(forged.code, 'SignatureDoesNotMatch');

    // A signed header changed: refused.
    const otherDate = await postRaw(`${server.url}${recorded.url}`, { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, recorded.body);
    assert.equal(otherDate.code, 'SignatureDoesNotMatch');

    // The same bytes 16 minutes later, against the same data folder with the service clock moved.
    const later = await createSignet(
      coreConfig({ dataDir: data.path, keyBits: '1024' }, {}),
      { clock: { now: () => Date.now() + 16 * 60 * 1000 }, random: systemRandom },
      { api: { auth: 'sigv4' } },
    );
    try {
      const response = await later.handler!({ method: 'POST', path: recorded.url, headers, body: recorded.body });
      assert.equal(response.status, 403);
      assert.equal(response.errorCode, 'SignatureDoesNotMatch');
      assert.match(response.body, /Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)/);
    } finally {
      await later.close();
    }
  });

  it('refuses malformed Authorization headers with IncompleteSignature', async () => {
    const body = 'Action=GetSendQuota&Version=2010-12-01';
    const signed = await signForm(server.url, body, key);
    const cases = [
      'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/ses/aws4_request',
      'AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00',
      'AWS AKIA:abc',
      signed['authorization']!.replace('aws4_request', 'aws5_request'),
      signed['authorization']!.replace(/Signature=[0-9a-f]+/, 'Signature=zz'),
    ];
    for (const authorization of cases) {
      const r = await postRaw(server.url, { ...signed, authorization }, body);
      assert.equal(r.status, 403, authorization);
      assert.equal(r.code, 'IncompleteSignature', authorization);
    }
    // Signed for another service: SignatureDoesNotMatch with AWS's wording.
    const wrongService = await postRaw(server.url, { ...signed, authorization: signed['authorization']!.replace('/ses/', '/sqs/') }, body);
    assert.equal(wrongService.code, 'SignatureDoesNotMatch');
    assert.match(wrongService.body, /Credential should be scoped to correct service: &apos;ses&apos;|Credential should be scoped to correct service: 'ses'/);
    // A correct request for contrast.
    assert.equal((await callSigned(server.url, body, key)).status, 200);
  });
});
