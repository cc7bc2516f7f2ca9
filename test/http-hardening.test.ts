import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHttpServer } from '../src/api/http-server.ts';
import { confirmEmailVerification } from '../src/app/send-verification-email.ts';
import { MAX_BODY_BYTES } from '../src/config/http-config.ts';
import { openTestApp, type TestApp } from './helpers/embedded-app.ts';
import { NodeSha256 } from './helpers/node-sha256.ts';
import { run } from './helpers/peers.ts';
import { callSigned, postRaw, signForm, type AccessKey } from './helpers/sign.ts';
import { SIGNET_BIN, startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * Issue 14, the HTTP API: what a hostile client can no longer do. Every server here is a child
 * `signet serve` on loopback; every wait is bounded.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const amzDate = (d = new Date()) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

interface Exchange {
  /** What the server sent before it closed the connection (or before `waitMs` ran out). */
  readonly data: string;
  /** Whether the server closed the connection within `waitMs`. */
  readonly closed: boolean;
}

/** Sends `head` (and nothing more) and waits for the server to close the connection. */
function exchange(port: number, head: string, waitMs: number, trickle?: (socket: Socket) => void): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data, closed: false });
    }, waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    socket.once('connect', () => {
      socket.write(head);
      trickle?.(socket);
    });
  });
}

/** The head of an SES POST announcing `length` bytes of body, with the given Authorization. */
function postHead(port: number, length: number, headers: Record<string, string>): string {
  const lines = [`POST / HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Content-Type: application/x-www-form-urlencoded; charset=utf-8', `Content-Length: ${length}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A well-formed Authorization for `accessKeyId` whose signature is wrong: passes every header check. */
function plausibleAuth(accessKeyId: string, date = new Date(), signed = 'content-type;host;x-amz-date'): Record<string, string> {
  const stamp = amzDate(date);
  return {
    'X-Amz-Date': stamp,
    Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${stamp.slice(0, 8)}/us-east-1/ses/aws4_request, SignedHeaders=${signed}, Signature=${'0'.repeat(64)}`,
  };
}

function statusOf(data: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
}

const MB = 1024 * 1024;

/** The most the kernel may buffer on a loopback connection, receiver and sender, in MB (Linux; 16 MB elsewhere). */
function socketBuffersMaxMb(): number {
  const max = (name: string) => Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
  try {
    return Math.ceil((max('tcp_rmem') + max('tcp_wmem')) / MB);
  } catch {
    return 16;
  }
}

/**
 * A chunked SES POST whose body is 1 MB frames sent as fast as the socket takes them, up to
 * `upToMb`, until the server closes the connection; with the frames the client wrote.
 */
async function chunkedFlood(port: number, auth: Record<string, string>, upToMb: number): Promise<Exchange & { readonly writtenMb: number }> {
  const head = postHead(port, 0, auth).replace('Content-Length: 0', 'Transfer-Encoding: chunked');
  const chunk = Buffer.alloc(MB, 0x61);
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  let written = 0;
  const r = await exchange(port, head, 20_000, (socket) => {
    const pump = () => {
      while (written < upToMb && socket.writable) {
        written++;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
  return { ...r, writtenMb: written };
}

function vmRssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** A SigV4-signed request (service ses) as an SDK signs a REST call; returns status and body. */
async function signedRequest(method: string, url: string, key: AccessKey, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'ses', region: 'us-east-1', credentials: key, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.host,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.host, ...headers },
  });
  return plainRequest(method, url, signed.headers as Record<string, string>);
}

/** A request with exactly these headers (Host included, which fetch would not let us set). */
function plainRequest(method: string, url: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('finding 2: bodies are not read before the headers pass, and nobody holds a connection for long', () => {
  const data = tempDir('http-hardening');
  let server: RunningSignet;
  let key: AccessKey;
  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
      '--request-timeout',
      '3s',
      '--headers-timeout',
      '2s',
      '--idle-timeout',
      '2s',
    ]);
    key = server.credentials!;
  });
  after(async () => {
    await server?.stop();
    data.remove();
  });

  const announced = 40 * 1024 * 1024;
  const early: Array<[string, () => Record<string, string>, number, string, RegExp]> = [
    ['no Authorization', () => ({}), 403, 'MissingAuthenticationToken', /missing Authentication Token/],
    ['a malformed Authorization', () => ({ Authorization: 'AWS4-HMAC-SHA256 Credential=x' }), 403, 'IncompleteSignature', /requires 'Signature' parameter/],
    ['an unknown access key', () => plausibleAuth('AKIAAAAAAAAAAAAAAAAA'), 403, 'InvalidClientTokenId', /security token included in the request is invalid/],
    ['a date 20 minutes old', () => plausibleAuth(key.accessKeyId, new Date(Date.now() - 20 * 60_000)), 403, 'SignatureDoesNotMatch', /Signature expired/],
    [
      'host not among the signed headers',
      () => plausibleAuth(key.accessKeyId, new Date(), 'content-type;x-amz-date'),
      403,
      'SignatureDoesNotMatch',
      /'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization\./,
    ],
  ];
  for (const [name, headers, status, code, message] of early) {
    it(`answers ${name} from the headers alone, before any body byte, and closes the connection`, async () => {
      const r = await exchange(server.port, postHead(server.port, announced, headers()), 5000);
      assert.equal(r.closed, true, `the connection was left open; got ${JSON.stringify(r.data.slice(0, 200))}`);
      assert.equal(statusOf(r.data), status, r.data);
      assert.match(r.data, new RegExp(`<Code>${code}</Code>`));
      assert.match(r.data, message);
      assert.match(r.data, /<ErrorResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/"><Error><Type>Sender<\/Type>/);
    });
  }

  it('refuses a declared length over the limit before reading it, even with a known key', async () => {
    const r = await exchange(server.port, postHead(server.port, 41 * 1024 * 1024, plausibleAuth(key.accessKeyId)), 5000);
    assert.equal(r.closed, true);
    assert.equal(statusOf(r.data), 400, r.data);
    assert.match(r.data, /<Code>InvalidParameterValue<\/Code><Message>The request body exceeds the limit of \d+ bytes\.<\/Message>/);
  });

  it("cuts a chunked body off at the limit while it streams, with SES's error, and closes the connection", async () => {
    // Once the server stops reading, the client can still hand the kernel what the two sockets'
    // buffers hold (Linux grows them up to tcp_rmem's and tcp_wmem's maximum). A server that went on
    // reading past the limit until its reply went out read 4 to 5 MB more on an idle machine, and so
    // much more on a loaded one that a CI run wrote 60 MB, this test's old fixed bound.
    const ceiling = Math.ceil(MAX_BODY_BYTES / MB) + socketBuffersMaxMb() + 4;
    // Up to 20 MB past the ceiling: a server that kept reading would take them all.
    const r = await chunkedFlood(server.port, plausibleAuth(key.accessKeyId), ceiling + 20);
    assert.equal(r.closed, true);
    assert.equal(statusOf(r.data), 400, r.data.slice(0, 300));
    assert.match(r.data, /<Code>InvalidParameterValue<\/Code><Message>The request body exceeds the limit of \d+ bytes\.<\/Message>/);
    assert.ok(r.writtenMb < ceiling, `the server stopped reading (${r.writtenMb} MB written, ceiling ${ceiling} MB)`);
  });

  it('answers another method 405 before its body, and closes the connection', async () => {
    const head = postHead(server.port, 30 * 1024 * 1024, {}).replace(/^POST/, 'PUT');
    const r = await exchange(server.port, head, 5000);
    assert.equal(r.closed, true);
    assert.equal(statusOf(r.data), 405, r.data);
    assert.match(r.data, /<Code>InvalidAction<\/Code>/);
  });

  it('a signed request whose host is not signed is refused as AWS does', async () => {
    const body = 'Action=GetSendQuota&Version=2010-12-01';
    const signer = new SignatureV4({ service: 'ses', region: 'us-east-1', credentials: key, sha256: NodeSha256, applyChecksum: false });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: `127.0.0.1:${server.port}`,
        path: '/',
        query: {},
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      },
      { unsignableHeaders: new Set(['host']) },
    );
    assert.doesNotMatch(String(signed.headers['authorization']), /host/);
    const r = await plainRequest('POST', server.url, { ...(signed.headers as Record<string, string>) }, body);
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code><Message>'Host' or ':authority' must be a 'SignedHeader'/);
    // The same request with host signed goes through.
    assert.equal((await callSigned(server.url, body, key)).status, 200);
  });

  it('a large body, hashed as it arrives, is verified exactly: accepted as signed, refused when one byte differs', async () => {
    const body = `Action=GetSendQuota&Version=2010-12-01&Pad=${'a'.repeat(300_000)}`;
    const signed = await signForm(server.url, body, key);
    assert.equal((await postRaw(server.url, signed, body)).status, 200);
    const tampered = await postRaw(server.url, signed, `${body.slice(0, -1)}b`);
    assert.equal(tampered.status, 403);
    assert.equal(tampered.code, 'SignatureDoesNotMatch');
  });

  it('50 slow 39 MB bodies with a known key: the process stays under 300 MB and every connection is closed within the timeout', async () => {
    const pid = server.process.pid!;
    const chunk = Buffer.alloc(6 * 1024 * 1024, 0x61);
    const started = Date.now();
    let peak = vmRssMb(pid);
    const sampler = setInterval(() => (peak = Math.max(peak, vmRssMb(pid))), 100);
    const timers: NodeJS.Timeout[] = [];
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          exchange(server.port, postHead(server.port, 39 * 1024 * 1024, plausibleAuth(key.accessKeyId)), 15_000, (socket) => {
            // 6 MB at once, then one byte a second: what a slowloris client does after a fast start.
            socket.write(chunk);
            const timer = setInterval(() => socket.writable && socket.write('a'), 1000);
            timers.push(timer);
            socket.once('close', () => clearInterval(timer));
          }),
        ),
      );
      const closedAfter = (Date.now() - started) / 1000;
      assert.equal(results.filter((r) => !r.closed).length, 0, 'every connection was closed');
      // The request timeout is 3 s, checked every second; the rest is slack for a loaded machine.
      assert.ok(closedAfter < 12, `closed within the timeout (${closedAfter.toFixed(1)} s)`);
    } finally {
      clearInterval(sampler);
      for (const t of timers) clearInterval(t);
    }
    console.log(`# 50 slow bodies: peak RSS ${peak.toFixed(0)} MB`);
    assert.ok(peak < 300, `peak RSS ${peak.toFixed(0)} MB`);
    // And the server still answers.
    assert.equal((await callSigned(server.url, 'Action=GetSendQuota&Version=2010-12-01', key)).status, 200);
  });

  it('closes a connection that sends nothing at all, at the idle timeout', async () => {
    const started = Date.now();
    const r = await exchange(server.port, '', 10_000);
    assert.equal(r.closed, true, 'closed');
    assert.ok(Date.now() - started >= 1900, 'not before the idle timeout');
    assert.ok(Date.now() - started < 8000, `within the 2 s idle timeout (${Date.now() - started} ms)`);
  });

  it('closes a connection whose headers trickle in, at the headers timeout', async () => {
    const started = Date.now();
    const r = await exchange(server.port, `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `, 10_000, (socket) => {
      const timer = setInterval(() => socket.writable && socket.write('a'), 300);
      socket.once('close', () => clearInterval(timer));
    });
    assert.equal(r.closed, true, 'closed');
    assert.ok(Date.now() - started >= 1900, 'not before the headers timeout');
    assert.ok(Date.now() - started < 8000, `within the 2 s headers timeout and its 1 s check (${Date.now() - started} ms)`);
  });
});

describe('finding 2, the server itself: a chunked body over the limit is read no further', () => {
  it('the connection reads less than 1 MB past the limit, however fast the client goes on sending', async () => {
    // In process, to count what the server's socket read: from outside, the kernel's buffers hide
    // it (the client above can write what they hold either way).
    const app = createHttpServer({
      handler: async () => {
        throw new Error('not called: the body is over the limit');
      },
      logger: false,
    });
    const bytesRead: number[] = [];
    app.server.on('connection', (socket: Socket) => socket.once('close', () => bytesRead.push(socket.bytesRead)));
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as { port: number }).port;
      const r = await chunkedFlood(port, plausibleAuth('AKIAAAAAAAAAAAAAAAAA'), Math.ceil(MAX_BODY_BYTES / MB) + socketBuffersMaxMb() + 20);
      assert.equal(r.closed, true);
      assert.equal(statusOf(r.data), 400, r.data.slice(0, 300));
      while (bytesRead.length === 0) await new Promise((resolve) => setImmediate(resolve));
      const past = (bytesRead[0]! - MAX_BODY_BYTES) / MB;
      // Without pausing the request, reading on until the reply went out: 4.9 to 8.9 MB past the limit here.
      assert.ok(past < 1, `the server read ${past.toFixed(1)} MB past the limit`);
    } finally {
      await app.close();
    }
  });
});

describe('finding 2: connections are capped per client address', () => {
  const data = tempDir('http-conn-cap');
  let server: RunningSignet;
  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
      '--max-connections-per-address',
      '5',
    ]);
  });
  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('closes the sixth connection from one address at once, and another address is still served', async () => {
    const sockets: Socket[] = [];
    const closed = new Set<number>();
    try {
      for (let i = 0; i < 8; i++) {
        const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.1' });
        socket.on('error', () => {});
        socket.once('close', () => closed.add(i));
        await new Promise((r) => socket.once('connect', r));
        sockets.push(socket);
      }
      for (let i = 0; i < 40 && closed.size < 3; i++) await sleep(50);
      assert.deepEqual([...closed].sort(), [5, 6, 7], 'the three over the cap, and only those');
      // 127.0.0.2 is another client (Linux routes all of 127/8 to loopback).
      const health = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/health', localAddress: '127.0.0.2' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(health, 200);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

describe('finding 3: the sending rate is checked before a large body is parsed', () => {
  let app: TestApp;
  const SENDER = 'sender@rate-first.example';
  before(async () => {
    app = await openTestApp();
    assert.equal((await app.call(`Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=${encodeURIComponent(SENDER)}`)).status, 200);
    const [mail] = await app.embedded.storage.outbox.list({});
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail!.simple?.text ?? '')?.[1];
    assert.deepEqual(await confirmEmailVerification(app.embedded.ctx, token!), { address: SENDER, status: 'Success' });
  });
  after(async () => app?.close());

  it('an account over MaxSendRate gets Throttling for a 2 MB body that the parser would refuse', async () => {
    const raw = Buffer.from(`From: ${SENDER}\r\nTo: a@example.net\r\nSubject: s\r\n\r\nb\r\n`).toString('base64');
    assert.equal((await app.call(`Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(raw)}`)).status, 200);
    // The rate (1/s) is used up. This body is 2 MB and ends in a broken escape: had it been parsed
    // first, the answer would be MalformedQueryString.
    const big = `Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${'QUFB'.repeat(512 * 1024)}%4`;
    const r = await app.call(big);
    assert.equal(r.code, 'Throttling', r.body);
    assert.match(r.body, /Maximum sending rate exceeded\./);
    // Small bodies are parsed first as before (an identity call is not a send).
    assert.equal((await app.call('Action=GetSendQuota&Version=2010-12-01&x=%4')).code, 'MalformedQueryString');
  });
});

describe('finding 4: --outbox-api in production is authenticated and per account', () => {
  const data = tempDir('http-outbox');
  let server: RunningSignet;
  let a: AccessKey;
  let b: AccessKey;
  const SENDER = 'sender@outbox-iso.example';
  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
      '--outbox-api',
      '--no-throttle',
      '--max-send-rate',
      '100',
    ]);
    a = server.credentials!;
    const admin = (...args: string[]) => {
      const r = run(process.execPath, [SIGNET_BIN, 'admin', ...args, '--data-dir', data.path], {});
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const accountB = admin('create-account').AccountId as string;
    const created = admin('create-access-key', '--account-id', accountB).AccessKey;
    b = { accessKeyId: created.AccessKeyId, secretAccessKey: created.SecretAccessKey };
  });
  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('refuses unsigned requests, hides verification links, and shows each account only its own mail', async () => {
    assert.equal((await callSigned(server.url, `Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=${encodeURIComponent(SENDER)}`, a)).status, 200);
    // Unsigned: SES's 403, nothing listed, nothing deleted.
    const anonymous = await plainRequest('GET', `${server.url}/_aws/ses`);
    assert.equal(anonymous.status, 403, anonymous.body);
    assert.match(anonymous.body, /<Code>MissingAuthenticationToken<\/Code>/);
    assert.doesNotMatch(anonymous.body, /verify-email/);
    assert.equal((await plainRequest('DELETE', `${server.url}/_aws/ses`)).status, 403);
    // The account that asked for the verification does not get its link through the outbox.
    const own = await signedRequest('GET', `${server.url}/_aws/ses`, a);
    assert.equal(own.status, 200, own.body);
    assert.deepEqual(JSON.parse(own.body), { messages: [] });
    // The address's owner follows the link (read here as the operator, from the data folder).
    const list = run(process.execPath, [SIGNET_BIN, 'outbox', 'list', '--json', '--data-dir', data.path], {});
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(list.stdout)?.[1];
    assert.ok(token, list.stdout + list.stderr);
    assert.equal((await plainRequest('GET', `${server.url}/_signet/verify-email?token=${token}`)).status, 200);
    const sent = await callSigned(
      server.url,
      `Action=SendEmail&Version=2010-12-01&Source=${encodeURIComponent(SENDER)}&Destination.ToAddresses.member.1=r%40example.net&Message.Subject.Data=hello&Message.Body.Text.Data=private`,
      a,
    );
    assert.equal(sent.status, 200, sent.body);
    const mine = JSON.parse((await signedRequest('GET', `${server.url}/_aws/ses`, a)).body) as { messages: Array<{ Source: string }> };
    assert.deepEqual(
      mine.messages.map((m) => m.Source),
      [SENDER],
    );
    // Account B sees none of it and cannot delete it.
    const theirs = await signedRequest('GET', `${server.url}/_aws/ses`, b);
    assert.deepEqual(JSON.parse(theirs.body), { messages: [] });
    assert.equal((await signedRequest('DELETE', `${server.url}/_aws/ses`, b)).status, 204);
    const still = JSON.parse((await signedRequest('GET', `${server.url}/_aws/ses`, a)).body) as { messages: unknown[] };
    assert.equal(still.messages.length, 1);
    assert.equal((await signedRequest('DELETE', `${server.url}/_aws/ses`, a)).status, 204);
    assert.deepEqual(JSON.parse((await signedRequest('GET', `${server.url}/_aws/ses`, a)).body), { messages: [] });
  });
});

describe('finding 9: dev mode answers loopback host names only and refuses cross-origin changes', () => {
  const data = tempDir('http-dev');
  let server: RunningSignet;
  before(async () => {
    server = await startSignet(['--dev', '--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '3', '--log-level', 'warn']);
  });
  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('refuses a Host that is not loopback (DNS rebinding) and answers loopback names with any port', async () => {
    const rebound = await plainRequest('GET', `${server.url}/_aws/ses`, { host: `evil.example:${server.port}` });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /loopback host name/);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, '127.1.2.3', `[::1]:${server.port}`, 'LOCALHOST']) {
      assert.equal((await plainRequest('GET', `${server.url}/_aws/ses`, { host })).status, 200, host);
    }
  });

  it('refuses state-changing requests from another Origin; SDK-style requests (no Origin) and the own origin work', async () => {
    const clock = async () => (JSON.parse((await plainRequest('GET', `${server.url}/_signet/clock`)).body) as { offsetMs: number }).offsetMs;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const foreign = await plainRequest('POST', `${server.url}/_signet/clock`, { ...form, origin: 'http://evil.example' }, 'advance=1h');
    assert.equal(foreign.status, 403);
    assert.match(foreign.body, /another origin/);
    assert.equal(await clock(), 0, 'the clock did not move');
    assert.equal((await plainRequest('POST', `${server.url}/_signet/clock`, { ...form, origin: 'null' }, 'advance=1h')).status, 403);
    assert.equal((await plainRequest('DELETE', `${server.url}/_aws/ses`, { origin: 'http://localhost:1' })).status, 403);
    const api = await plainRequest(
      'POST',
      server.url,
      { ...form, origin: 'http://evil.example', authorization: plausibleAuth('AKIDEXAMPLE').Authorization! },
      'Action=GetSendQuota',
    );
    assert.equal(api.status, 403);
    assert.equal((await plainRequest('POST', `${server.url}/_signet/clock`, form, 'advance=1h')).status, 200);
    assert.equal((await plainRequest('POST', `${server.url}/_signet/clock`, { ...form, origin: server.url }, 'advance=1h')).status, 200);
    assert.equal(await clock(), 2 * 3600_000);
  });
});

describe('finding 10: /metrics is not for everyone', () => {
  const dirs: Array<{ path: string; remove(): void }> = [];
  after(() => {
    for (const d of dirs) d.remove();
  });

  it('with --metrics-token, only the bearer of the token reads the metrics', async () => {
    const data = tempDir('http-metrics-token');
    dirs.push(data);
    const server = await startSignet([
      '--data-dir',
      data.path,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--log-level',
      'warn',
      '--metrics-token',
      's3cret-token',
    ]);
    try {
      assert.equal((await plainRequest('GET', `${server.url}/metrics`)).status, 401);
      assert.equal((await plainRequest('GET', `${server.url}/metrics`, { authorization: 'Bearer wrong' })).status, 401);
      const ok = await plainRequest('GET', `${server.url}/metrics`, { authorization: 'Bearer s3cret-token' });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /signet_key_pool_ready_keys \d+/);
    } finally {
      await server.stop();
    }
  });

  it('with --metrics-port, the metrics are on their own loopback listener and not on the API port', async () => {
    const data = tempDir('http-metrics-port');
    dirs.push(data);
    const server = await startSignet(['--data-dir', data.path, '--key-bits', '1024', '--key-pool-size', '3', '--log-level', 'warn', '--metrics-port', '0']);
    try {
      const url = /signet metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())?.[1];
      assert.ok(url, server.output());
      const own = await plainRequest('GET', url);
      assert.equal(own.status, 200);
      assert.match(own.body, /signet_key_pool_ready_keys \d+/);
      const main = await plainRequest('GET', `${server.url}/metrics`);
      assert.doesNotMatch(main.body, /signet_key_pool_ready_keys/);
    } finally {
      await server.stop();
    }
  });
});
