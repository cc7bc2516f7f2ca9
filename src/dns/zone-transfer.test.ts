import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { KeyZoneJournalEntry, PublishedKey } from '../app/detection-ports.ts';
import { testKeyPairs } from '../../test/support/key-fixtures.ts';
import { keyZone } from './key-zone.ts';
import { readTsig, signMessage, verifyResponse, type TsigKey } from './tsig.ts';
import { ZoneTransfers } from './zone-transfer.ts';

const KEY: TsigKey = { name: 'xfr', secret: Buffer.alloc(32, 7) };
const NOW = 1_800_000_000;
const zone = keyZone('dkim.signet.test', {}, 0);
const publicKey = testKeyPairs()[0]!.publicKey;
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** A distinct DKIM token (32 base32 characters) per number. */
const token = (i: number) => `${'a'.repeat(28)}${[3, 2, 1, 0].map((d) => B32[Math.floor(i / 32 ** d) % 32]).join('')}`;

/** A store of the key zone's journal in memory: the port, as the SQL store behaves (see the contract suite). */
function journalStore(history: readonly Omit<KeyZoneJournalEntry, 'seq'>[], keptFrom = 0) {
  const journal = history.map((c, i) => ({ ...c, seq: i + 1 }));
  const seq = journal.length;
  return {
    keyZoneSeq: async () => seq,
    keyZoneJournal: async (since: number, limit: number) => {
      if (since < keptFrom) return null;
      const after = journal.filter((c) => c.seq > since);
      return after.length > limit ? null : after;
    },
    keyZoneSnapshot: async () => {
      const keys = new Map<string, string>();
      for (const c of journal) c.op === 'add' ? keys.set(c.token, c.publicKey) : keys.delete(c.token);
      return { seq, keys: [...keys].sort().map(([t, p]): PublishedKey => ({ token: t, publicKey: p })) };
    },
  };
}

function request(type: 'AXFR' | 'IXFR', serial?: number): { message: Buffer; mac: Buffer } {
  const message = dnsPacket.encode({
    type: 'query',
    id: 4242,
    questions: [{ type, name: 'DKIM.signet.test' } as dnsPacket.Question],
    ...(serial === undefined
      ? {}
      : {
          authorities: [{ type: 'SOA', name: zone.name, data: { mname: 'a', rname: 'b', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 } }],
        }),
  } as dnsPacket.Packet);
  return signMessage(message, KEY, { now: NOW });
}

/** Checks the TSIG chain of a multi-message answer (RFC 8945 §5.3.1) and returns the records. */
function records(messages: readonly Buffer[], requestMac: Buffer): dnsPacket.Answer[] {
  let prior = requestMac;
  const out: dnsPacket.Answer[] = [];
  messages.forEach((m, i) => {
    const tsig = readTsig(m)!;
    if (i === 0) assert.ok(verifyResponse(m, KEY, prior, NOW), 'first message signed over the request MAC');
    else {
      const unsigned = Buffer.from(m.subarray(0, tsig.offset));
      unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
      const timers = Buffer.alloc(8);
      timers.writeUInt16BE(0, 0);
      timers.writeUInt32BE(tsig.timeSigned, 2);
      timers.writeUInt16BE(tsig.fudge, 6);
      const mac = createHmac('sha256', KEY.secret)
        .update(Buffer.concat([Buffer.from([0, prior.length]), prior, unsigned, timers]))
        .digest();
      assert.deepEqual(tsig.mac, mac, `message ${i} signed over the previous MAC`);
    }
    prior = tsig.mac;
    const decoded = dnsPacket.decode(m);
    assert.equal(decoded.id, 4242);
    assert.equal((decoded as { rcode?: string }).rcode, 'NOERROR');
    out.push(...(decoded.answers ?? []));
  });
  return out;
}

const summary = (rs: readonly dnsPacket.Answer[]) =>
  rs.map((r) => (r.type === 'SOA' ? `SOA ${(r.data as { serial: number }).serial}` : `${r.type} ${r.name.split('.')[0]}`));

describe('zone transfers (RFC 5936 AXFR, RFC 1995 IXFR)', () => {
  const history = [
    ...Array.from({ length: 100 }, (_, i) => ({ token: token(i), op: 'add' as const, publicKey })),
    { token: token(3), op: 'delete' as const, publicKey },
    { token: token(200), op: 'add' as const, publicKey },
    { token: token(200), op: 'delete' as const, publicKey },
    { token: token(201), op: 'add' as const, publicKey },
  ];
  const transfers = (keptFrom = 0) =>
    new ZoneTransfers({ zone, store: journalStore(history, keptFrom), settings: { keys: [KEY], allow: ['127.0.0.0/8'] }, now: () => NOW });

  it('AXFR: SOA first and last, every key, over several signed messages', async () => {
    const req = request('AXFR');
    const messages = await transfers().answer(req.message, '127.0.0.1');
    assert.ok(messages.length >= 2, `${messages.length} messages`);
    const rs = records(messages, req.mac);
    assert.deepEqual(summary(rs).slice(0, 2), ['SOA 104', 'NS dkim']);
    assert.equal(summary(rs).at(-1), 'SOA 104');
    assert.equal(rs.filter((r) => r.type === 'TXT').length, 100);
    assert.ok(!rs.some((r) => r.name.startsWith(token(3))));
    // Only the first message carries the question (RFC 5936 §2.2).
    assert.equal(dnsPacket.decode(messages[1]!).questions?.length, 0);
  });

  it('IXFR: the condensed difference since the client serial', async () => {
    const req = request('IXFR', 100);
    const rs = records(await transfers().answer(req.message, '127.0.0.1'), req.mac);
    // token 200 came and went within the range: not mentioned at all.
    assert.deepEqual(summary(rs), ['SOA 104', 'SOA 100', `TXT ${token(3)}`, 'SOA 104', `TXT ${token(201)}`, 'SOA 104']);
    assert.deepEqual((rs[2] as { data: Buffer[] }).data.map(String).join(''), (rs[4] as { data: Buffer[] }).data.map(String).join(''));
  });

  it('IXFR from the current serial: the SOA alone; from a pruned one: the whole zone', async () => {
    const up = request('IXFR', 104);
    assert.deepEqual(summary(records(await transfers().answer(up.message, '127.0.0.1'), up.mac)), ['SOA 104']);
    const old = request('IXFR', 10);
    const rs = records(await transfers(50).answer(old.message, '127.0.0.1'), old.mac);
    assert.equal(rs.filter((r) => r.type === 'TXT').length, 100);
    assert.deepEqual(summary(rs).slice(0, 2), ['SOA 104', 'NS dkim']);
  });

  it('refuses unsigned requests, unknown keys and addresses not allowed', async () => {
    const unsigned = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'AXFR', name: zone.name } as dnsPacket.Question] });
    assert.equal((dnsPacket.decode((await transfers().answer(unsigned, '127.0.0.1'))[0]!) as { rcode?: string }).rcode, 'REFUSED');
    const other = signMessage(unsigned, { name: 'other', secret: KEY.secret }, { now: NOW });
    assert.equal((await transfers().answer(other.message, '127.0.0.1'))[0]![3]! & 0x0f, 9); // NOTAUTH
    const req = request('AXFR');
    const refused = await transfers().answer(req.message, '192.0.2.1');
    assert.equal((dnsPacket.decode(refused[0]!) as { rcode?: string }).rcode, 'REFUSED');
    assert.ok(verifyResponse(refused[0]!, KEY, req.mac, NOW), 'a refusal of a signed request is signed');
    assert.equal(ZoneTransfers.isTransfer(unsigned), true);
    assert.equal(ZoneTransfers.isTransfer(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'TXT', name: zone.name }] })), false);
  });
});
