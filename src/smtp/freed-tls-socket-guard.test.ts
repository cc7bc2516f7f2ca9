import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { REPO_ROOT } from '../../test/helpers/signet-server.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { guardFreedTlsSockets } from './freed-tls-socket-guard.ts';
import { selfSignedTls } from './tls-material.ts';

const GUARD = fileURLToPath(new URL('./freed-tls-socket-guard.ts', import.meta.url));
const MATERIAL = fileURLToPath(new URL('./tls-material.ts', import.meta.url));

/**
 * A server-side TLS socket left as TLSWrap.close (node:_tls_wrap) leaves it just before it emits
 * 'close': `ssl` set to null and the session freed, `_handle` still there. Then getProtocol(), as
 * smtp-server's normalizeTLSError calls it, and getCipher(). In a process of its own: without the
 * guard, Node dies of a segmentation fault there (seen on Node 20, 22 and 24).
 */
const FREED_SOCKET = `
import { createServer, connect } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { guardFreedTlsSockets } from ${JSON.stringify(GUARD)};
import { selfSignedTls } from ${JSON.stringify(MATERIAL)};
guardFreedTlsSockets();
const material = await selfSignedTls(process.argv[1], 'localhost');
const secureContext = createSecureContext({ key: material.key, cert: material.cert });
const server = createServer((socket) => {
  const tls = new TLSSocket(socket, { isServer: true, secureContext });
  tls.on('error', () => {});
  const ssl = tls.ssl;
  tls.ssl = null;
  ssl.destroySSL();
  console.log(JSON.stringify({ handle: tls._handle != null, protocol: tls.getProtocol(), cipher: tls.getCipher() }));
  process.exit(0);
});
server.listen(0, '127.0.0.1', () => connect(server.address().port, '127.0.0.1').on('error', () => {}));
`;

test('a TLS socket whose session is freed answers getProtocol and getCipher with null, and the process lives', () => {
  const dir = tempDir('freed-tls');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', FREED_SOCKET, dir.path], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.signal, null, `the process died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { handle: true, protocol: null, cipher: null });
  } finally {
    dir.remove();
  }
});

test('a TLS socket with its session answers as before', async () => {
  guardFreedTlsSockets();
  guardFreedTlsSockets(); // once per process, however often called
  const dir = tempDir('live-tls');
  const material = await selfSignedTls(dir.path, 'localhost');
  const accepted: TLSSocket[] = [];
  const server = createTlsServer({ key: material.key, cert: material.cert }, (socket) => accepted.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  try {
    await once(client, 'secureConnect');
    assert.match(client.getProtocol() ?? '', /^TLSv1\.[23]$/);
    assert.equal(typeof client.getCipher().name, 'string');
    while (accepted.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(accepted[0]!.getProtocol(), client.getProtocol());
  } finally {
    client.destroy();
    for (const s of accepted) s.destroy();
    server.close();
    dir.remove();
  }
});
