import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { dkimTxtRecordStrings } from '../core/index.ts';
import { answerQuery, fastAnswerer, fastMissAnswerer, txtRdata, type KeyLookup } from './answer-query.ts';
import { keyZone } from './key-zone.ts';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz234567';
const zone = keyZone('dkim.signet.test', {}, 0);
const HUGE_TOKEN = 'zyxwvutsrqponmlkjihgfedcba765432';
const longKey = 'M'.repeat(392); // as long as an RSA-2048 SPKI in base64
const hugeKey = 'M'.repeat(736); // as long as an RSA-4096 SPKI in base64
const lookup: KeyLookup = (token) => (token === TOKEN ? { token, publicKey: longKey } : token === HUGE_TOKEN ? { token, publicKey: hugeKey } : null);

function query(name: string, type: dnsPacket.RecordType, options: { edns?: number; ednsVersion?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals:
      options.edns === undefined
        ? []
        : [{ type: 'OPT', name: '.', udpPayloadSize: options.edns, ednsVersion: options.ednsVersion ?? 0 } as unknown as dnsPacket.Answer],
  });
}

/** dns-packet decodes the RCODE, its types do not declare it. */
type Decoded = dnsPacket.DecodedPacket & { rcode: string };

async function ask(message: Buffer, transport: 'udp' | 'tcp' = 'udp') {
  const reply = await answerQuery(message, transport, zone, lookup);
  assert.ok(reply, 'a reply');
  return { raw: reply, packet: dnsPacket.decode(reply) as Decoded };
}

describe('answerQuery', () => {
  it('answers TXT at TOKEN.<zone> with the key, authoritatively, echoing the question case', async () => {
    const { packet } = await ask(query(`${TOKEN.toUpperCase()}.Dkim.Signet.Test`, 'TXT', { edns: 1232 }));
    assert.equal(packet.rcode, 'NOERROR');
    assert.equal(packet.flag_aa, true);
    assert.equal(packet.id, 4242);
    assert.equal(packet.questions![0]!.name, `${TOKEN.toUpperCase()}.Dkim.Signet.Test`);
    const txt = packet.answers![0] as dnsPacket.TxtAnswer;
    assert.equal(txt.name, `${TOKEN.toUpperCase()}.Dkim.Signet.Test`);
    const strings = (txt.data as Buffer[]).map((b) => b.toString());
    assert.ok(strings.every((s) => s.length <= 255));
    assert.equal(strings.join(''), `v=DKIM1; k=rsa; p=${longKey}`);
  });

  it('truncates over plain 512-byte UDP so that the client retries over TCP, where the answer is whole', async () => {
    const udp = await ask(query(`${HUGE_TOKEN}.dkim.signet.test`, 'TXT'));
    assert.equal(udp.packet.flag_tc, true);
    assert.equal(udp.packet.answers!.length, 0);
    assert.ok(udp.raw.length <= 512);
    const tcp = await ask(query(`${HUGE_TOKEN}.dkim.signet.test`, 'TXT'), 'tcp');
    assert.equal(tcp.packet.flag_tc, false);
    assert.equal(tcp.packet.answers!.length, 1);
  });

  it('compresses the owner name, so that a 2048-bit key fits plain 512-byte UDP in a short zone', async () => {
    const { raw, packet } = await ask(query(`${TOKEN}.dkim.signet.test`, 'TXT'));
    assert.equal(packet.flag_tc, false);
    assert.ok(raw.length <= 512, `${raw.length} bytes`);
    assert.equal(packet.answers![0]!.name, `${TOKEN}.dkim.signet.test`);
  });

  it('gives the same bytes on the fast path as on the full one', async () => {
    const rdata = new Map([TOKEN, HUGE_TOKEN].map((t) => [t, txtRdata(dkimTxtRecordStrings(t === TOKEN ? longKey : hugeKey))]));
    const fast = fastAnswerer(zone, (t) => rdata.get(t));
    const messages = [
      query(`${TOKEN}.dkim.signet.test`, 'TXT'),
      query(`${TOKEN.toUpperCase()}.DKIM.signet.TEST`, 'TXT', { edns: 1232 }),
      query(`${TOKEN}.dkim.signet.test`, 'TXT', { edns: 600 }),
      query(`${HUGE_TOKEN}.dkim.signet.test`, 'TXT', { edns: 1232 }),
    ];
    for (const message of messages) {
      for (const transport of ['udp', 'tcp'] as const) {
        const quick = fast(message, transport);
        assert.ok(quick, 'answered on the fast path');
        assert.deepEqual(quick, await answerQuery(message, transport, zone, lookup));
      }
    }
    // Too big for UDP, not a token, not a key, EDNS version 1: left to answerQuery.
    assert.equal(fast(query(`${HUGE_TOKEN}.dkim.signet.test`, 'TXT'), 'udp'), null);
    assert.equal(fast(query('dkim.signet.test', 'SOA'), 'udp'), null);
    assert.equal(fast(query(`${'b'.repeat(32)}.dkim.signet.test`, 'TXT'), 'udp'), null);
    assert.equal(fast(query(`${TOKEN}.dkim.signet.test`, 'TXT', { edns: 1232, ednsVersion: 1 }), 'udp'), null);
    assert.equal(fast(query(`${TOKEN}.dkim.signet.test`, 'A'), 'udp'), null);
  });

  it('gives the same bytes for a key read from the store as the full path, and leaves the rest to it', async () => {
    const rdataOf = (t: string) => {
      const key = lookup(t) as { publicKey: string } | null;
      return key ? txtRdata(dkimTxtRecordStrings(key.publicKey)) : null;
    };
    const reads: string[] = [];
    const miss = fastMissAnswerer(zone, async (t) => {
      reads.push(t);
      return rdataOf(t);
    });
    const messages = [
      query(`${TOKEN}.dkim.signet.test`, 'TXT'),
      query(`${TOKEN.toUpperCase()}.DKIM.signet.TEST`, 'ANY' as dnsPacket.RecordType, { edns: 1232 }),
      query(`${HUGE_TOKEN}.dkim.signet.test`, 'TXT', { edns: 1232 }),
      // Too big for plain UDP: truncated by the full path.
      query(`${HUGE_TOKEN}.dkim.signet.test`, 'TXT'),
      // No such key: NXDOMAIN with the SOA.
      query(`${'b'.repeat(32)}.dkim.signet.test`, 'TXT', { edns: 1232 }),
    ];
    for (const message of messages) {
      for (const transport of ['udp', 'tcp'] as const) {
        const answer = miss(message, transport);
        assert.ok(answer, 'taken on the miss path');
        assert.deepEqual(await answer, await answerQuery(message, transport, zone, lookup));
      }
    }
    assert.equal(reads.length, messages.length * 2, 'one read a message, none again for the answer too big for plain UDP or the absent key');
    assert.equal((dnsPacket.decode((await miss(messages[3]!, 'udp'))!) as Decoded).flag_tc, true);
    assert.equal((dnsPacket.decode((await miss(messages[4]!, 'udp'))!) as Decoded).rcode, 'NXDOMAIN');
    // A failing store: SERVFAIL, as the full path answers it.
    const failing = fastMissAnswerer(zone, () => Promise.reject(new Error('store down')));
    const servfail = await failing(messages[0]!, 'udp');
    assert.equal((dnsPacket.decode(servfail!) as Decoded).rcode, 'SERVFAIL');
    // Not the key question (apex SOA, another type, EDNS version 1, outside the zone): not taken.
    assert.equal(miss(query('dkim.signet.test', 'SOA'), 'udp'), null);
    assert.equal(miss(query(`${TOKEN}.dkim.signet.test`, 'A'), 'udp'), null);
    assert.equal(miss(query(`${TOKEN}.dkim.signet.test`, 'TXT', { edns: 1232, ednsVersion: 1 }), 'udp'), null);
    assert.equal(miss(query(`${TOKEN}.example.com`, 'TXT'), 'udp'), null);
    // Labels that cannot be tokens (a flood of random names; a NUL byte, which PostgreSQL cannot hold as
    // text and would fail the batch it joined): not taken, so never read; the full path answers NXDOMAIN.
    const before = reads.length;
    const nul = query(`${TOKEN}.dkim.signet.test`, 'TXT');
    nul[13] = 0; // the token's first byte
    for (const message of [query('www.dkim.signet.test', 'TXT'), query(`${TOKEN}x.dkim.signet.test`, 'TXT'), nul]) {
      assert.equal(miss(message, 'udp'), null);
      assert.equal((dnsPacket.decode((await answerQuery(message, 'udp', zone, lookup))!) as Decoded).rcode, 'NXDOMAIN');
    }
    assert.equal(reads.length, before);
  });

  it('answers NXDOMAIN, NODATA, apex SOA/NS and REFUSED outside the zone', async () => {
    const nx = await ask(query(`${'b'.repeat(32)}.dkim.signet.test`, 'TXT'));
    assert.equal(nx.packet.rcode, 'NXDOMAIN');
    assert.equal(nx.packet.authorities![0]!.type, 'SOA');
    const deeper = await ask(query(`x.${TOKEN}.dkim.signet.test`, 'TXT'));
    assert.equal(deeper.packet.rcode, 'NXDOMAIN');
    const nodata = await ask(query(`${TOKEN}.dkim.signet.test`, 'A'));
    assert.deepEqual([nodata.packet.rcode, nodata.packet.answers!.length, nodata.packet.authorities![0]!.type], ['NOERROR', 0, 'SOA']);
    const soa = await ask(query('dkim.signet.test', 'SOA'));
    assert.equal(soa.packet.answers![0]!.type, 'SOA');
    const ns = await ask(query('DKIM.signet.test.', 'NS'));
    assert.deepEqual(
      (ns.packet.answers as dnsPacket.StringAnswer[]).map((a) => a.data),
      ['ns1.dkim.signet.test'],
    );
    const outside = await ask(query('example.com', 'TXT'));
    assert.deepEqual([outside.packet.rcode, outside.packet.flag_aa], ['REFUSED', false]);
    const axfr = await ask(query('dkim.signet.test', 'AXFR'), 'tcp');
    assert.equal(axfr.packet.rcode, 'REFUSED');
  });

  it('honours EDNS0: advertises its size, refuses unknown versions with BADVERS', async () => {
    const { packet } = await ask(query(`${TOKEN}.dkim.signet.test`, 'TXT', { edns: 4096 }));
    const opt = packet.additionals!.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
    assert.equal(opt.udpPayloadSize, 1232);
    const bad = await ask(query(`${TOKEN}.dkim.signet.test`, 'TXT', { edns: 1232, ednsVersion: 1 }));
    const badOpt = bad.packet.additionals!.find((a) => a.type === 'OPT') as unknown as { extendedRcode: number };
    assert.equal(badOpt.extendedRcode, 1, 'BADVERS is extended RCODE 16');
  });

  it('answers FORMERR to what it cannot read and drops responses and runts', async () => {
    const good = query(`${TOKEN}.dkim.signet.test`, 'TXT');
    const cut = await answerQuery(good.subarray(0, good.length - 3), 'udp', zone, lookup);
    assert.equal((dnsPacket.decode(cut!) as Decoded).rcode, 'FORMERR');
    assert.equal(await answerQuery(Buffer.from([1, 2, 3]), 'udp', zone, lookup), null);
    const response = Buffer.from(good);
    response[2] = response[2]! | 0x80;
    assert.equal(await answerQuery(response, 'udp', zone, lookup), null);
  });

  it('answers SERVFAIL when the key store fails', async () => {
    const failing: KeyLookup = () => Promise.reject(new Error('store down'));
    const reply = await answerQuery(query(`${TOKEN}.dkim.signet.test`, 'TXT'), 'udp', zone, failing);
    assert.equal((dnsPacket.decode(reply!) as Decoded).rcode, 'SERVFAIL');
  });
});
