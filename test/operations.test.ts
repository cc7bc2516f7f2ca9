import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { coreConfig } from '../src/config/config.ts';
import { createSignet, systemRuntime } from '../src/main/signet.ts';
import { dkimKeyContext } from '../src/secrets/secret-box.ts';
import { run } from './helpers/peers.ts';
import { callSigned, postRaw, signForm } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

describe('operations: logs, health, metrics, graceful shutdown', () => {
  const dirs: Array<{ remove(): void }> = [];
  after(() => dirs.forEach((d) => d.remove()));

  it('logs JSON lines with request id, account and action, and never a secret, a signature or a key', async () => {
    const data = tempDir('logs');
    dirs.push(data);
    const server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '3', '--no-throttle', '--log-level', 'trace']);
    const key = server.credentials!;
    const admin = JSON.parse(
      run(process.execPath, [SIGNET_BIN, 'admin', 'create-access-key', '--account-id', key.accountId, '--data-dir', data.path], {}).stdout,
    ).AccessKey;
    const signatures: string[] = [];
    const send = async (body: string, k: { accessKeyId: string; secretAccessKey: string }) => {
      const headers = await signForm(server.url, body, k);
      signatures.push(/Signature=([0-9a-f]{64})/.exec(headers['authorization']!)![1]!);
      return postRaw(server.url, headers, body);
    };
    assert.equal((await send('Action=VerifyDomainDkim&Version=2010-12-01&Domain=logs.example', key)).status, 200);
    assert.equal(
      (
        await send('Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=logs.example', {
          accessKeyId: admin.AccessKeyId,
          secretAccessKey: admin.SecretAccessKey,
        })
      ).status,
      200,
    );
    assert.equal(
      (await send('Action=ListIdentities&Version=2010-12-01', { accessKeyId: key.accessKeyId, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret!!' }))
        .status,
      403,
    );
    assert.equal((await send('Action=Bogus&Version=2010-12-01', key)).status, 400);
    assert.equal((await postRaw(server.url, { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=ListIdentities')).status, 403);
    assert.equal(await server.stop(), 0);

    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 5);
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.method === 'POST');
    assert.equal(requests.length, 5);
    const first = requests[0];
    assert.equal(first.action, 'VerifyDomainDkim');
    assert.equal(first.accountId, key.accountId);
    assert.equal(first.code, 'OK');
    assert.match(first.requestId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      requests.map((r) => r.code),
      ['OK', 'OK', 'SignatureDoesNotMatch', 'InvalidAction', 'MissingAuthenticationToken'],
    );

    // What must never be in a log line.
    const embedded = await createSignet(coreConfig({ dataDir: data.path, keyBits: '1024' }, {}), systemRuntime);
    const secrets = [key.secretAccessKey, admin.SecretAccessKey, ...signatures, 'PRIVATE KEY', readFileSync(join(data.path, 'master.key'), 'utf8').trim()];
    for (const k of await embedded.storage.store.getDkimKeys({ accountId: key.accountId, region: 'us-east-1' }, 'logs.example')) {
      const der = createPrivateKey(embedded.secrets.open(k.sealedPrivateKey, dkimKeyContext(k.publicKey))).export({ type: 'pkcs8', format: 'der' });
      secrets.push(der.subarray(100, 140).toString('base64'), k.sealedPrivateKey.slice(3, 40));
    }
    await embedded.close();
    const log = lines.join('\n');
    for (const secret of secrets) assert.equal(log.includes(secret), false, `a log line holds ${secret.slice(0, 12)}...`);
    assert.doesNotMatch(log, /authorization/i);
  });

  it('answers /health and /metrics', async () => {
    const data = tempDir('metrics');
    dirs.push(data);
    const server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '3', '--log-level', 'warn']);
    try {
      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { status: string; listeners: Record<string, string> };
      assert.equal(body.status, 'ok');
      assert.equal(body.listeners['api'], server.url);
      await callSigned(server.url, 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=m.example', server.credentials!);
      await callSigned(server.url, 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=m2.example', server.credentials!); // throttled (1/s)
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /signet_api_requests_total\{action="VerifyDomainDkim",code="OK"\} 1/);
      assert.match(metrics, /signet_api_requests_total\{action="VerifyDomainDkim",code="Throttling"\} 1/);
      assert.match(metrics, /signet_api_throttled_total\{action="VerifyDomainDkim"\} 1/);
      assert.match(metrics, /signet_api_request_duration_seconds_bucket\{le="0.01",action="VerifyDomainDkim"\} \d/);
      assert.match(metrics, /signet_key_pool_ready_keys \d+/);
    } finally {
      await server.stop();
    }
  });

  it('drains a request under way on SIGTERM, exits 0, and the restarted server has what it acknowledged', async () => {
    const data = tempDir('drain');
    dirs.push(data);
    // An empty pool of 2048-bit keys: the call waits for three fresh keys (hundreds of milliseconds).
    const args = ['--data-dir', data.path, '--key-bits', '2048', '--key-pool-size', '0', '--log-level', 'warn'];
    const server = await startSignet(args);
    const key = server.credentials!;
    let answeredAt = 0;
    const pending = callSigned(server.url, 'Action=VerifyDomainDkim&Version=2010-12-01&Domain=drain.example', key).then((r) => {
      answeredAt = Date.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    const stoppedAt = Date.now();
    const exited = server.stop();
    const response = await pending;
    assert.ok(answeredAt > stoppedAt, 'the request was still under way when SIGTERM came');
    assert.equal(response.status, 200, response.body);
    assert.equal(await exited, 0);
    const tokens = [...response.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]);
    const again = await startSignet(args);
    try {
      const r = await callSigned(again.url, 'Action=GetIdentityDkimAttributes&Version=2010-12-01&Identities.member.1=drain.example', key);
      assert.deepEqual(
        [...r.body.matchAll(/<member>([a-z2-7]{32})<\/member>/g)].map((m) => m[1]),
        tokens,
      );
    } finally {
      await again.stop();
    }
  });
});
