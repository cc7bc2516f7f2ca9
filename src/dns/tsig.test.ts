import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseTsigKey, readTsig, signMessage, TSIG_BADKEY, TSIG_BADSIG, TSIG_BADTIME, verifyRequest, verifyResponse } from './tsig.ts';

// Captured from BIND's dig 9.18 (see test/fixtures/tsig/README.md).
const DIG_QUERY = Buffer.from(readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'tsig', 'dig-9.18-soa-query.hex'), 'utf8').trim(), 'hex');
const KEY = parseTsigKey('hmac-sha256:xfr-key.signet.test:c2lnbmV0LXRzaWctdGVzdC12ZWN0b3Itc2VjcmV0LTMyYg==');

describe('TSIG (RFC 8945, HMAC-SHA256)', () => {
  const signedAt = readTsig(DIG_QUERY)!.timeSigned;

  it("verifies dig's signed query", () => {
    const tsig = readTsig(DIG_QUERY)!;
    assert.equal(tsig.keyName, 'xfr-key.signet.test');
    assert.equal(tsig.algorithm, 'hmac-sha256');
    assert.equal(tsig.mac.length, 32);
    const verdict = verifyRequest(DIG_QUERY, [KEY], signedAt + 10);
    assert.equal(verdict.kind, 'ok');
  });

  it('refuses a changed byte, another secret, an unknown key and a stale time', () => {
    const changed = Buffer.from(DIG_QUERY);
    changed[13] = changed[13]! ^ 0x20; // the question's case
    assert.deepEqual(pick(verifyRequest(changed, [KEY], signedAt)), { kind: 'refused', error: TSIG_BADSIG });
    const other = { name: KEY.name, secret: Buffer.alloc(32, 1) };
    assert.deepEqual(pick(verifyRequest(DIG_QUERY, [other], signedAt)), { kind: 'refused', error: TSIG_BADSIG });
    assert.deepEqual(pick(verifyRequest(DIG_QUERY, [{ name: 'other', secret: KEY.secret }], signedAt)), { kind: 'refused', error: TSIG_BADKEY });
    assert.deepEqual(pick(verifyRequest(DIG_QUERY, [KEY], signedAt + 301)), { kind: 'refused', error: TSIG_BADTIME });
  });

  it('signs what it verifies, and a response chained to the request MAC', () => {
    const unsigned = DIG_QUERY.subarray(0, readTsig(DIG_QUERY)!.offset);
    const bare = Buffer.from(unsigned);
    bare.writeUInt16BE(bare.readUInt16BE(10) - 1, 10);
    const ours = signMessage(bare, KEY, { now: signedAt });
    // Same key, time and message: the same bytes as dig's.
    assert.deepEqual(ours.message, DIG_QUERY);
    const reply = Buffer.from(bare);
    reply[2] = reply[2]! | 0x80;
    const signed = signMessage(reply, KEY, { now: signedAt, requestMac: ours.mac });
    assert.equal(verifyResponse(signed.message, KEY, ours.mac, signedAt), true);
    assert.equal(verifyResponse(signed.message, KEY, Buffer.alloc(32), signedAt), false);
  });

  it('reads key specs', () => {
    assert.equal(parseTsigKey('Key.Example.:c2lnbmV0LXRzaWctdGVzdC12ZWN0b3Itc2VjcmV0LTMyYg==').name, 'key.example');
    assert.throws(() => parseTsigKey('nokey'), RangeError);
    assert.throws(() => parseTsigKey('k:c2hvcnQ='), RangeError);
  });
});

function pick(v: ReturnType<typeof verifyRequest>): unknown {
  return v.kind === 'refused' ? { kind: v.kind, error: v.error } : { kind: v.kind };
}
