import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { deleteIdentity } from '../src/app/delete-identity.ts';
import { coreConfig } from '../src/config/config.ts';
import { createSignet, systemRuntime } from '../src/main/signet.ts';
import { dkimTokens, signetDnsPort } from './helpers/dns-peers.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

const ZONE = 'dkim.signet.test';
/** What the docs promise for a change made by another process (or node): gone from DNS within a second. */
const BOUND_MS = 1000;

/** One UDP query, answered or not within `ms`; the RCODE of the answer. */
function askTxt(port: number, name: string, ms = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer for ${name}`));
    }, ms);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve((dnsPacket.decode(msg) as unknown as { rcode: string }).rcode);
    });
    const query = dnsPacket.encode({
      type: 'query',
      id: 7,
      questions: [{ type: 'TXT', name }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never],
    });
    socket.send(query, port, '127.0.0.1');
  });
}

describe('a key deleted by another process on the same data folder', () => {
  const data = tempDir('dns-cross');
  let server: RunningSignet;
  let port: number;

  before(async () => {
    server = await startSignet([
      '--data-dir',
      data.path,
      '--no-throttle',
      '--dev',
      '--dkim-zone',
      ZONE,
      '--key-bits',
      '1024',
      '--key-pool-size',
      '6',
      '--log-level',
      'warn',
    ]);
    port = signetDnsPort(server.output());
  });

  after(async () => {
    await server?.stop();
    data.remove();
  });

  it(`leaves the running server's DNS within ${BOUND_MS} ms`, async (t) => {
    const tokens = await dkimTokens(server.url, 'cross.example.test');
    for (const token of tokens) assert.equal(await askTxt(port, `${token}.${ZONE}`), 'NOERROR');
    // What `signet ses delete-identity` does with no endpoint: the use case, in its own process,
    // on its own connection to the data folder (here this test's process).
    const config = coreConfig({ dataDir: data.path }, {});
    const other = await createSignet(config, systemRuntime);
    let deletedAt: number;
    try {
      await deleteIdentity(other.ctx, { accountId: config.accountId, region: config.defaultRegion }, 'cross.example.test');
      deletedAt = performance.now();
    } finally {
      await other.close();
    }
    let gone = false;
    while (!gone && performance.now() - deletedAt < BOUND_MS) {
      const answers = await Promise.all(tokens.map((t) => askTxt(port, `${t}.${ZONE}`)));
      gone = answers.every((rcode) => rcode === 'NXDOMAIN');
      if (!gone) await new Promise((r) => setTimeout(r, 10));
    }
    const took = performance.now() - deletedAt;
    assert.ok(gone, `still answered ${Math.round(took)} ms after the delete committed`);
    t.diagnostic(`gone from DNS ${Math.round(took)} ms after another process deleted it`);
  });
});
