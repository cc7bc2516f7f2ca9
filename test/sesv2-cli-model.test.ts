/**
 * SES v2's one service model seen from both sides (issue 11 item 5): the server answers by the newer
 * botocore model, the command line by cliView, which must be exactly AWS CLI 2.9.19's model. Checked
 * against 2.9.19 itself (the generator's `--cli-json`, run with Debian's /usr/bin/python3 and its
 * awscli), and end to end: a member only the newer model has (GetEmailIdentity's VerificationInfo,
 * DkimAttributes.SigningHostedZone) is in the server's answer and not in the command line's output
 * (test/cli-golden-v2.test.ts shows the same against the golden captures' stub, which sends both).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { parseRestJsonValue, pyJsonLoads, serializeRestJson } from '../src/cli/rest-json.ts';
import { cliView } from '../src/model/cli-view.ts';
import { ServiceModel } from '../src/model/service.ts';
import { SES_MODEL } from '../src/model/ses-model.generated.ts';
import { SESV2_MODEL } from '../src/model/sesv2-model.generated.ts';
import { runSignet } from './helpers/cli-golden.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';
import { peerOrSkip } from './helpers/peers.ts';

const GENERATOR = resolve(import.meta.dirname, '..', 'src', 'model', 'generate-ses-model.py');
const PYTHON = '/usr/bin/python3';

/** Debian's python3 with the awscli package (AWS CLI 2.9.19 and the botocore it bundles). */
function awscliPython(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import awscli; assert awscli.__version__ == "2.9.19", awscli.__version__'], { encoding: 'utf8' });
  return r.status === 0 ? PYTHON : null;
}

/** The model as the generator extracts it from 2.9.19's botocore alone (docs left out). */
function model2919(service: 'ses' | 'sesv2'): unknown {
  const r = spawnSync(PYTHON, [GENERATOR, service, '--cli-json'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const peer = peerOrSkip('/usr/bin/python3 with awscli 2.9.19', awscliPython(), 'apt-get install -y awscli');

test("the command line's view of SES v2's model is AWS CLI 2.9.19's model, exactly", peer, () => {
  assert.deepStrictEqual(JSON.parse(JSON.stringify(cliView(SESV2_MODEL))), model2919('sesv2'));
});

test("SES v1's model is AWS CLI 2.9.19's, and the command line reads it as it is", peer, () => {
  assert.deepStrictEqual(JSON.parse(JSON.stringify(SES_MODEL)), model2919('ses'));
  assert.equal(cliView(SES_MODEL), SES_MODEL);
});

let app: TestApp;
before(async () => {
  app = await openTestApp();
});
after(async () => {
  await app.close();
});

async function v2(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  const response = await app.embedded.handler!({
    method,
    path,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  });
  return { status: response.status, body: response.body };
}

test("a response member only the newer model has: the server sends it, the command line's parser drops it", async () => {
  assert.equal((await v2('POST', '/v2/email/identities', { EmailIdentity: 'view.example' })).status, 200);
  const got = await v2('GET', '/v2/email/identities/view.example');
  assert.equal(got.status, 200, got.body);
  const sent = JSON.parse(got.body) as Record<string, unknown> & { DkimAttributes: Record<string, unknown> };
  assert.ok('VerificationInfo' in sent, 'the server answers VerificationInfo');
  // SigningHostedZone is answered when a key zone is configured (this app has none): as real SES sends it.
  sent.DkimAttributes['SigningHostedZone'] = 'dkim.example.net';
  const body = JSON.stringify(sent);

  const parse = (model: ServiceModel) =>
    parseRestJsonValue(model, model.shape('GetEmailIdentityResponse'), pyJsonLoads(body), 'iso8601') as Record<string, unknown> & {
      DkimAttributes: Record<string, unknown>;
    };
  const cli = parse(new ServiceModel(cliView(SESV2_MODEL)));
  assert.ok(!('VerificationInfo' in cli));
  assert.ok(!('SigningHostedZone' in cli.DkimAttributes));
  assert.equal(cli.DkimAttributes['Status'], 'PENDING');
  // The full model keeps them: it is the view that drops them, not the parser.
  const full = parse(new ServiceModel(SESV2_MODEL));
  assert.ok('VerificationInfo' in full && 'SigningHostedZone' in full.DkimAttributes);
});

test('the command line sends PutEmailIdentityDkimSigningAttributes where 2.9.19 does, and the server answers it there', async () => {
  const model = new ServiceModel(cliView(SESV2_MODEL));
  const request = serializeRestJson(model, model.operation('PutEmailIdentityDkimSigningAttributes'), {
    EmailIdentity: 'view.example',
    SigningAttributesOrigin: 'AWS_SES',
  });
  assert.equal(request.method, 'PUT');
  assert.equal(request.path, '/v1/email/identities/view.example/dkim/signing');
  const answered = await v2('PUT', request.path, JSON.parse(request.body));
  assert.equal(answered.status, 200, answered.body);
});

test('`signet sesv2` (dist/): get-email-identity prints no member 2.9.19 lacks, and a newer parameter is unknown', async () => {
  const home = mkdtempSync(join(tmpdir(), 'signet-cli-model-'));
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C.UTF-8' };
  try {
    const created = await runSignet(['sesv2', 'create-email-identity', '--email-identity', 'example.com'], env, home);
    assert.equal(created.status, 0, created.stderr);
    const got = await runSignet(['sesv2', 'get-email-identity', '--email-identity', 'example.com'], env, home);
    assert.equal(got.status, 0, got.stderr);
    const out = JSON.parse(got.stdout.toString()) as Record<string, unknown> & { DkimAttributes: Record<string, unknown> };
    assert.equal(out['IdentityType'], 'DOMAIN');
    assert.ok(!('VerificationInfo' in out), got.stdout.toString());
    assert.ok(!('SigningHostedZone' in out.DkimAttributes), got.stdout.toString());
    // SendEmailRequest.TenantName is the newer model's: 2.9.19 rejects it before sending.
    const send = await runSignet(
      ['sesv2', 'send-email', '--content', '{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"b"}}}}', '--tenant-name', 't1'],
      env,
      home,
    );
    assert.equal(send.status, 252, send.stderr);
    assert.match(send.stderr, /Unknown options: --tenant-name, t1/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
