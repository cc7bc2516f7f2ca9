import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SIGNET_BIN } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** Runs `signet serve` expecting it to stop by itself; kills it after 30 s (a half-started server hangs). */
async function serveExpectingExit(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const data = tempDir('serve-start');
  const child = spawn(
    process.execPath,
    [
      SIGNET_BIN,
      'serve',
      '--data-dir',
      data.path,
      '--dkim-zone',
      'dkim.signet.test',
      '--key-pool-size',
      '0',
      '--no-detection',
      '--smtp-port',
      '0',
      '--smtps-port',
      '0',
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  data.remove();
  return { code, stdout, stderr };
}

describe('signet serve when a listener cannot start', () => {
  it('exits 253 with one line naming the API address when its port is taken, having served nothing', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await serveExpectingExit(['--port', String(port), '--dns-port', '0']);
      assert.equal(r.code, 253, `exit code; stderr:\n${r.stderr}`);
      // The last line (the first start's credentials come before it, on stderr too).
      assert.match(
        r.stderr,
        new RegExp(`(^|\\n)signet: cannot listen: the SES API on 127\\.0\\.0\\.1:${port}: the address is already in use \\(EADDRINUSE\\)\\n$`),
      );
      assert.doesNotMatch(r.stdout, /signet listening on/);
    } finally {
      taken.close();
    }
  });

  it('exits 253 naming the DNS address when its UDP port is taken, before the API listens', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    try {
      const r = await serveExpectingExit(['--port', '0', '--dns-port', String(port)]);
      assert.equal(r.code, 253, `exit code; stderr:\n${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`(^|\\n)signet: cannot listen: the DNS server on 127\\.0\\.0\\.1:${port}: the address is already in use \\(EADDRINUSE\\)\\n$`),
      );
      assert.doesNotMatch(r.stdout, /listening/);
    } finally {
      udp.close();
    }
  });

  it('exits 253 when --host does not resolve', async () => {
    const r = await serveExpectingExit(['--host', 'no-such-host.invalid', '--port', '0', '--dns-port', '0']);
    assert.equal(r.code, 253, `exit code; stderr:\n${r.stderr}`);
    // The first listener on --host to bind (SMTP's, then the API's) names it.
    assert.match(
      r.stderr,
      /(^|\n)signet: cannot listen: the (SMTP interface|SES API) on no-such-host\.invalid:[0-9 and]+: the host name does not resolve \((ENOTFOUND|EAI_AGAIN)\)\n$/,
    );
  });
});
