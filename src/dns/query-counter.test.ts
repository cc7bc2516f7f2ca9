import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { DnsQueryCounter } from './query-counter.ts';

const RCODE: Record<string, number> = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 };
// dns-packet takes the RCODE as the low bits of the flags (RFC 1035 4.1.1).
const reply = (type: string, rcode: string) =>
  dnsPacket.encode({
    type: 'response',
    id: 1,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | RCODE[rcode]!,
    questions: [{ type, name: 'abc.dkim.example.net' }],
  } as dnsPacket.Packet);

describe('DnsQueryCounter', () => {
  it('counts replies by their question type and RCODE, read from the bytes', () => {
    const counter = new DnsQueryCounter();
    counter.count(reply('TXT', 'NOERROR'));
    counter.count(reply('TXT', 'NOERROR'));
    counter.count(reply('TXT', 'NXDOMAIN'));
    counter.count(reply('A', 'REFUSED'));
    counter.count(reply('SOA', 'NOERROR'));
    counter.count(reply('CAA', 'NOERROR'));
    assert.deepEqual(
      counter.entries().sort((a, b) => `${a.type}${a.rcode}`.localeCompare(`${b.type}${b.rcode}`)),
      [
        { type: 'A', rcode: 'REFUSED', count: 1 },
        { type: 'SOA', rcode: 'NOERROR', count: 1 },
        { type: 'TXT', rcode: 'NOERROR', count: 2 },
        { type: 'TXT', rcode: 'NXDOMAIN', count: 1 },
        { type: 'TYPE257', rcode: 'NOERROR', count: 1 },
      ],
    );
  });

  it('never throws on any bytes (it runs on every reply, garbage queries included)', () => {
    const counter = new DnsQueryCounter();
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 20000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)));
      counter.count(bytes);
    }
    const total = counter.entries().reduce((n, e) => n + e.count, 0);
    assert.ok(total > 0 && total <= 20000);
  });
});
