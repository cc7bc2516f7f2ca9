import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { createHttpServer } from '../src/api/http-server.ts';
import { queryTxt } from './helpers/dns-query.ts';
import { sample } from './helpers/metrics-sample.ts';
import { callSigned, signForm } from './helpers/sign.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const DOMAIN = 'observed.example.test';
const KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The JSON log lines the server wrote on stdout so far. */
function logLines(server: RunningSignet): Array<Record<string, unknown>> {
  return server
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Issue 19, item 3: a detection status change and a relay delivery, each seen in the log and in
 * /metrics; one access-log line per request whose id is the answered x-amzn-RequestId; /health and
 * /metrics not logged at info.
 */
describe('observability: log lines and metrics of detection, DNS, relay; one access line per request', () => {
  const data = tempDir('observability');
  let server: RunningSignet;
  let sink: SMTPServer;
  let delivered = 0;

  before(async () => {
    const sinkPort = await freePort();
    sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          delivered++;
          callback();
        });
      },
    });
    await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', () => r()));
    server = await startSignet([
      '--data-dir',
      data.path,
      '--dev',
      '--no-throttle',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'info',
      '--max-send-rate',
      '1000',
      '--smtp-relay',
      `smtp://127.0.0.1:${sinkPort}`,
      '--delivery-poll',
      '100ms',
    ]);
  });
  after(async () => {
    await server?.stop();
    await new Promise<void>((r) => sink.close(() => r()));
    data.remove();
  });

  const post = (path: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain: DOMAIN }) });

  it('/health answers ok once ready; neither it nor /metrics writes an info line', async () => {
    const health = await until('ready', async () => {
      const r = await fetch(`${server.url}/health`);
      return r.status === 200 ? r : undefined;
    });
    const body = (await health.json()) as { status: string; listeners: Record<string, string> };
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.listeners).sort(), ['api', 'dns', 'smtp', 'smtps']);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 200);
    await sleep(200);
    const quiet = logLines(server).filter((l) => typeof l['url'] === 'string' && /^\/(health|metrics)/.test(l['url'] as string));
    assert.deepEqual(quiet, []);
  });

  it('one access-log line per request, with the one id answered as x-amzn-RequestId', async () => {
    const form = `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${DOMAIN}`;
    const r = await fetch(server.url, { method: 'POST', headers: await signForm(server.url, form, KEY), body: form });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    const id = r.headers.get('x-amzn-requestid');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(body.includes(`<RequestId>${id}</RequestId>`), 'the XML envelope carries the same id');
    const lines = await until('the access line', () => {
      const found = logLines(server).filter((l) => JSON.stringify(l).includes(id!));
      return found.length > 0 ? found : undefined;
    });
    assert.equal(lines.length, 1, JSON.stringify(lines));
    const line = lines[0]!;
    assert.equal(line['msg'], 'request');
    assert.equal(line['requestId'], id);
    assert.equal(line['action'], 'VerifyDomainDkim');
    assert.equal(line['code'], 'OK');
    assert.equal(line['status'], 200);
    assert.equal(line['reqId'], undefined, 'no second id');
    // Signet's own routes and refusals carry an id too, the one on their line.
    const refused = await fetch(`${server.url}/_signet/nope`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const refusedId = refused.headers.get('x-amzn-requestid');
    assert.ok(refusedId);
    await until('the refusal line', () => (logLines(server).some((l) => l['requestId'] === refusedId && l['msg'] === 'request') ? true : undefined));
  });

  it('a detection status change: a log line with its reason and verdicts, and in /metrics', async () => {
    // Not published yet: the check finds nothing, the status stays Pending (no change line).
    assert.equal(((await (await post('/_signet/check')).json()) as { dkimStatus: string }).dkimStatus, 'Pending');
    assert.equal((await post('/_signet/publish-dkim-records')).status, 200);
    assert.equal(((await (await post('/_signet/check')).json()) as { dkimStatus: string }).dkimStatus, 'Success');
    const change = await until('the status line', () =>
      logLines(server).find((l) => l['msg'] === 'identity status changed' && l['status'] === 'dkim' && l['identity'] === DOMAIN),
    );
    assert.equal(change['from'], 'Pending');
    assert.equal(change['to'], 'Success');
    assert.equal(change['accountId'], '000000000000');
    assert.equal(change['region'], 'us-east-1');
    assert.equal(change['reason'], 'every record found');
    const records = change['records'] as Array<{ name: string; type: string; verdict: string }>;
    assert.equal(records.filter((r) => r.type === 'CNAME' && r.verdict === 'ok').length, 3, JSON.stringify(records));
    assert.equal(logLines(server).filter((l) => l['msg'] === 'identity status changed' && l['status'] === 'dkim').length, 1, 'Pending -> Pending logs nothing');

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(sample(metrics, 'signet_detection_status_changes_total{kind="dkim",to="Success"}'), 1);
    assert.equal(sample(metrics, 'signet_detection_checks_total{verdict="found"}'), 1);
    assert.equal(sample(metrics, 'signet_detection_checks_total{verdict="not_found"}'), 1);
    assert.equal(sample(metrics, 'signet_detection_check_duration_seconds_count'), 2);
    assert.equal(sample(metrics, 'signet_identities_dkim{status="Success"}'), 1);
    assert.equal(sample(metrics, 'signet_identities{kind="Domain",status="Success"}'), 1);
    assert.equal(sample(metrics, 'signet_detection_overdue_identities'), 0);
  });

  it('DNS answers by type and rcode', async () => {
    const dnsPort = Number(/signet dns listening on \S+:(\d+)/.exec(server.output())![1]);
    const zone = /for (\S+)\n/.exec(server.output())![1]!;
    assert.equal((await queryTxt(dnsPort, `nosuchtoken.${zone}`)).rcode, 'NXDOMAIN');
    assert.equal((await queryTxt(dnsPort, 'elsewhere.example')).rcode, 'REFUSED');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.ok((sample(metrics, 'signet_dns_answers_total{type="TXT",rcode="NXDOMAIN"}') ?? 0) >= 1, metrics);
    assert.ok((sample(metrics, 'signet_dns_answers_total{type="TXT",rcode="REFUSED"}') ?? 0) >= 1);
  });

  it('a relay delivery: its outcome in the log and in /metrics', async () => {
    const raw = `From: Sender <sender@${DOMAIN}>\r\nTo: someone@example.net\r\nSubject: observed\r\n\r\nBody.\r\n`;
    const r = await callSigned(
      server.url,
      `Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(Buffer.from(raw).toString('base64'))}`,
      KEY,
    );
    assert.equal(r.status, 200, r.body);
    const messageId = /<MessageId>([^<]+)</.exec(r.body)![1]!;
    const line = await until('the delivery line', () => logLines(server).find((l) => l['msg'] === 'delivered to the relay' && l['messageId'] === messageId));
    assert.equal(line['outcome'], 'delivered');
    assert.equal(delivered, 1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(sample(metrics, 'signet_relay_attempts_total{outcome="delivered"}'), 1);
    assert.match(metrics, /# TYPE signet_smtp_messages_total counter/);
  });

  it('SIGHUP without --tls-cert is logged and the server keeps serving', async () => {
    server.process.kill('SIGHUP');
    await until('the SIGHUP line', () => (logLines(server).some((l) => /^SIGHUP: no --tls-cert/.test(String(l['msg']))) ? true : undefined));
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    assert.equal(server.process.exitCode, null);
  });
});

describe('/health readiness', () => {
  it('503 with what it waits for until ready, then 200', async () => {
    let ready = false;
    const app = createHttpServer({
      handler: async () => {
        throw new Error('not called');
      },
      logger: false,
      readiness: () => (ready ? { ready: true, waiting: [] } : { ready: false, waiting: ['keyPool'] }),
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const before = await fetch(`${url}/health`);
      assert.equal(before.status, 503);
      assert.deepEqual(await before.json(), { status: 'starting', waiting: ['keyPool'] });
      assert.ok(before.headers.get('x-amzn-requestid'), 'every answer carries its request id');
      ready = true;
      const now = await fetch(`${url}/health`);
      assert.equal(now.status, 200);
      assert.deepEqual(await now.json(), { status: 'ok' });
    } finally {
      await app.close();
    }
  });
});
