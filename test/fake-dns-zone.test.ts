import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { createNodeResolver } from '../src/dns/node-resolver.ts';
import type { Resolver } from '../src/app/detection-ports.ts';
import { FakeDnsZone, fakeResolver } from './support/fake-dns-zone.ts';

/**
 * The fake zone of test/support answers as node:dns does. Proof: the same records are served over
 * UDP on loopback by a small server that answers as a recursive resolver would (CNAME chains chased
 * for TXT, NXDOMAIN, NOERROR/NODATA, SERVFAIL and REFUSED as RCODEs), and node:dns (c-ares) asking it
 * through the production resolver gives the same results as the fake, name by name.
 */
type Rcode = 'SERVFAIL' | 'REFUSED';
const RECORDS: { name: string; cname?: string; txt?: string[][] }[] = [
  { name: 'tok1._domainkey.example.com', cname: 'tok1.dkim.signet.test' },
  { name: 'tok1.dkim.signet.test', txt: [['v=DKIM1; k=rsa; ', 'p=MIGf']] },
  { name: '_amazonses.example.com', txt: [['token-one'], ['token-two']] },
  { name: 'loop-a.example.com', cname: 'loop-b.example.com' },
  { name: 'loop-b.example.com', cname: 'loop-a.example.com' },
  { name: 'dangling.example.com', cname: 'nowhere.example.com' },
  { name: 'to-empty.example.com', cname: 'example.com' },
  { name: 'deep.ent.example.com', txt: [['x']] },
];
const FAILURES: [string, Rcode][] = [
  ['broken.example.com', 'SERVFAIL'],
  ['refused.example.com', 'REFUSED'],
];
const QUESTIONS = [
  'tok1._domainkey.example.com',
  'tok1.dkim.signet.test',
  '_amazonses.example.com',
  'TOK1._DomainKey.Example.COM',
  'missing.example.com',
  'example.com',
  'ent.example.com',
  'dangling.example.com',
  'to-empty.example.com',
  'broken.example.com',
  'refused.example.com',
  'loop-a.example.com',
];

function exists(name: string): boolean {
  return RECORDS.some((r) => r.name === name || r.name.endsWith(`.${name}`));
}

/** A recursive resolver's answers over RECORDS, as c-ares receives them. */
function answer(query: Buffer): Buffer {
  const q = dnsPacket.decode(query);
  const question = q.questions![0]!;
  const reply = (rcode: string, answers: dnsPacket.Answer[] = []) =>
    dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rcode === 'NXDOMAIN' ? 3 : rcode === 'SERVFAIL' ? 2 : rcode === 'REFUSED' ? 5 : 0),
      questions: q.questions,
      answers,
    });
  const answers: dnsPacket.Answer[] = [];
  let at = question.name.toLowerCase();
  for (let hop = 0; hop < 8; hop++) {
    const failure = FAILURES.find(([n]) => n === at);
    if (failure) return reply(failure[1]);
    const record = RECORDS.find((r) => r.name === at);
    if (record?.cname) {
      answers.push({ type: 'CNAME', name: at, ttl: 60, data: record.cname });
      if (question.type === 'CNAME') return reply('NOERROR', answers);
      at = record.cname;
      continue;
    }
    if (question.type === 'TXT' && record?.txt) {
      for (const strings of record.txt) answers.push({ type: 'TXT', name: at, ttl: 60, data: strings });
      return reply('NOERROR', answers);
    }
    return reply(exists(at) ? 'NOERROR' : 'NXDOMAIN', answers);
  }
  return reply('SERVFAIL');
}

describe('the fake DNS zone answers as node:dns does', () => {
  let server: Socket;
  let real: Resolver;
  const fake = new FakeDnsZone();
  for (const r of RECORDS) {
    if (r.cname) fake.cname(r.name, r.cname);
    for (const t of r.txt ?? []) fake.txt(r.name, t);
  }
  fake.fail('broken.example.com', 'ESERVFAIL').fail('refused.example.com', 'EREFUSED');
  const viaFake = fakeResolver(fake);

  before(async () => {
    server = createSocket('udp4');
    server.on('message', (msg, rinfo) => server.send(answer(msg), rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    real = createNodeResolver({ servers: [`127.0.0.1:${server.address().port}`], timeoutMs: 1000, tries: 1 });
  });
  after(() => server.close());

  for (const name of QUESTIONS) {
    for (const type of ['cname', 'txt'] as const) {
      it(`${type.toUpperCase()} ${name}`, async () => {
        const [fromNode, fromFake] = await Promise.all([real[type](name), viaFake[type](name)]);
        assert.deepEqual(fromFake, fromNode);
      });
    }
  }
});
