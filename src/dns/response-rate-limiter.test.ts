import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { ResponseRateLimiter, slipReply, type RrlVerdict } from './response-rate-limiter.ts';

function reply(name: string, rcode: 'NOERROR' | 'NXDOMAIN' | 'REFUSED' = 'NOERROR', type: 'TXT' | 'SOA' = 'TXT'): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 7,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | ({ NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const)[rcode],
    questions: [{ type, name }],
    answers: rcode === 'NOERROR' ? [{ type: 'TXT', name, ttl: 60, data: 'v=DKIM1; p=' + 'A'.repeat(300) }] : [],
  });
}

function counts(verdicts: RrlVerdict[]): Record<RrlVerdict, number> {
  return {
    send: verdicts.filter((v) => v === 'send').length,
    drop: verdicts.filter((v) => v === 'drop').length,
    slip: verdicts.filter((v) => v === 'slip').length,
  };
}

test('a burst from one source: a second of answers, then every slip-th one truncated, and the rate refills', () => {
  let now = 0;
  const rrl = new ResponseRateLimiter({ ratePerSecond: 10, slip: 2 }, () => now);
  const r = reply('tok.dkim.test');
  assert.deepEqual(counts(Array.from({ length: 30 }, () => rrl.verdict('192.0.2.1', r))), { send: 10, drop: 10, slip: 10 });
  now += 500; // half a second: five more
  assert.deepEqual(counts(Array.from({ length: 5 }, () => rrl.verdict('192.0.2.1', r))), { send: 5, drop: 0, slip: 0 });
  assert.notEqual(rrl.verdict('192.0.2.1', r), 'send');
});

test('buckets: per /24 source prefix, per name and type (case folded), one for all NXDOMAIN, one for errors', () => {
  const rrl = new ResponseRateLimiter({ ratePerSecond: 1, slip: 0 }, () => 0);
  assert.equal(rrl.verdict('192.0.2.1', reply('a.dkim.test')), 'send');
  assert.equal(rrl.verdict('192.0.2.200', reply('A.DKIM.test')), 'drop', 'same /24, same name in another case');
  assert.equal(rrl.verdict('192.0.3.1', reply('a.dkim.test')), 'send', 'another /24');
  assert.equal(rrl.verdict('192.0.2.1', reply('b.dkim.test')), 'send', 'another name');
  assert.equal(rrl.verdict('192.0.2.1', reply('a.dkim.test', 'NOERROR', 'SOA')), 'send', 'another type');
  assert.equal(rrl.verdict('192.0.2.1', reply('x1.dkim.test', 'NXDOMAIN')), 'send');
  assert.equal(rrl.verdict('192.0.2.1', reply('x2.dkim.test', 'NXDOMAIN')), 'drop', 'random names share the NXDOMAIN bucket');
  assert.equal(rrl.verdict('192.0.2.1', reply('x.example', 'REFUSED')), 'send');
  assert.equal(rrl.verdict('192.0.2.1', reply('y.example', 'REFUSED')), 'drop');
  assert.equal(rrl.verdict('2001:db8:0:ff::1', reply('a.dkim.test')), 'send');
  assert.equal(rrl.verdict('2001:db8:0:1::2', reply('a.dkim.test')), 'drop', 'same IPv6 /56');
});

test('slip 1 truncates every dropped answer; slip 0 none', () => {
  const always = new ResponseRateLimiter({ ratePerSecond: 1, slip: 1 }, () => 0);
  const never = new ResponseRateLimiter({ ratePerSecond: 1, slip: 0 }, () => 0);
  const r = reply('a.dkim.test');
  assert.deepEqual(counts(Array.from({ length: 5 }, () => always.verdict('192.0.2.1', r))), { send: 1, drop: 0, slip: 4 });
  assert.deepEqual(counts(Array.from({ length: 5 }, () => never.verdict('192.0.2.1', r))), { send: 1, drop: 4, slip: 0 });
});

/**
 * A flood of other sources, each a /24 of its own asking once, each followed by the limited source
 * (192.0.2.1, 5 answers a second): the answers the limited source was sent, with the clock moved by
 * `stepMs` after each pair (the limiter reads no clock of its own).
 */
function sentAmidFlood(tableSize: number, pairs: number, stepMs: number): number {
  let now = 0;
  const rrl = new ResponseRateLimiter({ ratePerSecond: 5, slip: 0, tableSize }, () => now);
  const r = reply('a.dkim.test');
  let sent = 0;
  for (let i = 0; i < pairs; i++) {
    rrl.verdict(`10.${(i >> 8) & 255}.${i & 255}.1`, r);
    if (rrl.verdict('192.0.2.1', r) === 'send') sent++;
    now += stepMs;
  }
  return sent;
}

test('a fixed table: a flood of other sources in a small table does not reset a limited source', () => {
  assert.equal(new ResponseRateLimiter({ ratePerSecond: 5, slip: 0, tableSize: 1000 }).tableSize, 1024);
  // 20,000 pairs over 1 s: 5 at start, 5 refilled over the second. The limited bucket, used most
  // recently in its set, is never the one a newcomer takes.
  const sent = sentAmidFlood(1000, 20_000, 0.05);
  assert.ok(sent >= 9 && sent <= 11, `${sent} sent`);
});

test('newcomers at the same clock reading (the server reads it every few ms) take the bucket the limited source did not use', () => {
  // One set of two buckets: every source falls into it, so the outcome does not depend on the
  // limiter's random hash seeds. Before the set remembered which bucket answered last, a newcomer on
  // a tie of times took the first, the limited source's, and reset it: every answer here was sent.
  assert.equal(new ResponseRateLimiter({ ratePerSecond: 5, slip: 0, tableSize: 2 }).tableSize, 2);
  // One clock reading for all 1,000 pairs: the 5 of the start.
  const once = sentAmidFlood(2, 1000, 0);
  assert.ok(once >= 4 && once <= 6, `one reading: ${once} sent`);
  // A reading per pair, 1 s in all: 5 refilled.
  const perPair = sentAmidFlood(2, 1000, 1);
  assert.ok(perPair >= 9 && perPair <= 11, `a reading per pair: ${perPair} sent`);
});

test('a slip is the header and question with TC set and no records, smaller than the answer', () => {
  const full = reply('tok.dkim.test');
  const slip = slipReply(full);
  const decoded = dnsPacket.decode(slip) as dnsPacket.Packet & { flag_tc: boolean; id: number };
  assert.equal(decoded.id, 7);
  assert.equal(decoded.flag_tc, true);
  assert.deepEqual(decoded.questions, [{ type: 'TXT', class: 'IN', name: 'tok.dkim.test' }]);
  assert.equal(decoded.answers?.length ?? 0, 0);
  assert.ok(slip.length < 40);
  const bare = slipReply(Buffer.from([0, 7, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(bare.length, 12);
  assert.equal(bare[2]! & 0x02, 0x02);
});

test('a rate of 0 is no limiter, not one that drops everything', () => {
  assert.throws(() => new ResponseRateLimiter({ ratePerSecond: 0, slip: 2 }), RangeError);
});
