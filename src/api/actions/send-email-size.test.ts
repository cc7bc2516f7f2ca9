import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodedBase64Length } from './send-email.ts';

test("a raw message's decoded length from its base64, without decoding (padding, MIME line breaks, trailing white space)", () => {
  for (const bytes of [0, 1, 2, 3, 4, 5, 57, 58, 1000, 4097]) {
    const raw = Buffer.alloc(bytes, 0xab);
    const plain = raw.toString('base64');
    const mime = (plain.match(/.{1,76}/g) ?? []).join('\r\n');
    for (const encoded of [plain, mime, `${mime}\r\n`, `${plain}\n  `]) {
      assert.equal(decodedBase64Length(encoded), Buffer.from(encoded, 'base64').length, `${bytes} bytes as ${JSON.stringify(encoded.slice(-8))}`);
      assert.equal(decodedBase64Length(encoded), bytes);
    }
  }
});
