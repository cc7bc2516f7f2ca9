import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { postPlainHttp, ResponseReader } from './plain-http.ts';

function feed(bytes: string, step: number): ReturnType<ResponseReader['push']> {
  const reader = new ResponseReader();
  const all = Buffer.from(bytes, 'latin1');
  for (let i = 0; i < all.length; i += step) {
    const res = reader.push(all.subarray(i, i + step));
    if (res) return res;
  }
  return reader.finish();
}

test('ResponseReader: Content-Length, chunked, close-delimited, 1xx, fed whole and byte by byte', () => {
  const cases: [string, number, string, string][] = [
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 200, 'OK', 'hello'],
    ['HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n', 400, 'Bad Request', 'abcde'],
    ['HTTP/1.0 500 Internal Server Error\r\n\r\nuntil close', 500, 'Internal Server Error', 'until close'],
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', 204, 'No Content', ''],
    ['HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n', 200, '', ''],
  ];
  for (const [raw, status, reason, body] of cases) {
    for (const step of [raw.length, 1, 7]) {
      const res = feed(raw, step);
      assert.ok(res, raw);
      assert.deepEqual([res.status, res.reason, res.body.toString('latin1')], [status, reason, body], `${JSON.stringify(raw)} by ${step}`);
    }
  }
  assert.equal(feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', 100), null, 'a truncated body is no response');
  assert.throws(() => new ResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')));
});

test('postPlainHttp: one request to a node:http server (keep-alive, chunked answer), and the headers it sends', async () => {
  let seen: { method?: string; url?: string; headers?: Record<string, unknown>; body?: string } = {};
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen = { method: req.method, url: req.url, headers: req.headers, body };
      res.writeHead(403, 'Forbidden', { 'content-type': 'text/xml' });
      res.write('<a>');
      res.end('é</a>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const res = await postPlainHttp(
      {
        url: new URL(`http://127.0.0.1:${port}/some/prefix`),
        headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'Action=X&V=é',
      },
      2,
      2,
    );
    assert.deepEqual([res.status, res.reason, res.body.toString('utf8')], [403, 'Forbidden', '<a>é</a>']);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/some/prefix');
    assert.equal(seen.body, 'Action=X&V=é');
    assert.equal(seen.headers?.['content-length'], String(Buffer.byteLength('Action=X&V=é')));
    assert.equal(seen.headers?.['host'], `127.0.0.1:${port}`);
  } finally {
    server.close();
  }
});
