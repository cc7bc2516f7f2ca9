import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryTxt } from './helpers/dns-query.ts';
import { dkimTokens } from './helpers/dns-peers.ts';
import { sample } from './helpers/metrics-sample.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

/**
 * Issue 17: `--dns-cache-keys` bounds the keys the DNS server keeps in memory (a key beyond them is
 * read from the store when asked, and still answered), and /metrics says how many it holds and
 * where its lookups came from, for an operator sizing it.
 */
// Both ways of reading a key not in memory (--dns-key-reads): in the key read thread, and inline.
for (const reads of ['thread', 'inline']) {
  describe(`--dns-cache-keys: the DNS server keeps at most that many keys and answers the rest from the store (--dns-key-reads ${reads})`, () => {
    const data = tempDir('dns-cache-keys');
    let server: RunningSignet;

    before(async () => {
      server = await startSignet([
        '--data-dir',
        data.path,
        '--dev',
        '--no-throttle',
        '--key-bits',
        '1024',
        '--key-pool-size',
        '6',
        '--log-level',
        'warn',
        '--dns-cache-keys',
        '2',
        '--dns-key-reads',
        reads,
      ]);
    });
    after(async () => {
      await server?.stop();
      data.remove();
    });

    it('answers every key, holds no more than 2, and counts lookups from memory and from the store', async () => {
      const tokens = [...(await dkimTokens(server.url, 'one.cache.test')), ...(await dkimTokens(server.url, 'two.cache.test'))];
      assert.equal(tokens.length, 6);
      const dnsPort = Number(/signet dns listening on \S+:(\d+)/.exec(server.output())![1]);
      for (const round of [1, 2]) {
        for (const token of tokens) {
          const answer = await queryTxt(dnsPort, `${token}.dkim.amazonses.com`);
          assert.equal(answer.rcode, 'NOERROR', `round ${round}, ${token}`);
          assert.match(answer.texts.join(''), /^v=DKIM1; k=rsa; p=MI/);
        }
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const held = sample(metrics, 'signet_dns_cache_keys');
      assert.ok(held !== null && held >= 1 && held <= 2, `keys held: ${held}`);
      const memory = sample(metrics, 'signet_dns_key_lookups_total{source="memory"}') ?? 0;
      const store = sample(metrics, 'signet_dns_key_lookups_total{source="store"}') ?? 0;
      // Six keys, two places: at least four are read from the store on each of their asks.
      assert.ok(store >= 6, `from the store: ${store}`);
      assert.ok(memory >= 1, `from memory: ${memory}`);
      assert.ok(memory + store >= 12, `${memory} + ${store} lookups for 12 questions`);
    });
  });
}
