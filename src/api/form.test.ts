import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForm } from './form.ts';
import { SesError } from './ses-error.ts';

/** The byte-by-byte parser this one replaced (slow, obviously right): the reference for equality. */
function reference(body: Buffer): Map<string, string> {
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (raw: string): string => {
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 0x2b) bytes.push(0x20);
      else if (c === 0x25) {
        const hex = raw.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new SesError('MalformedQueryString', 'escape');
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(c);
    }
    try {
      return utf8.decode(Uint8Array.from(bytes));
    } catch {
      throw new SesError('MalformedQueryString', 'utf8');
    }
  };
  const out = new Map<string, string>();
  for (const pair of body.toString('latin1').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    if (key === '') throw new SesError('MalformedQueryString', 'empty');
    if (out.has(key)) throw new SesError('InvalidParameterValue', 'duplicate');
    out.set(key, value);
  }
  return out;
}

function outcome(parse: (b: Buffer) => Map<string, string>, body: Buffer): string {
  try {
    return JSON.stringify([...parse(body)]);
  } catch (err) {
    return (err as SesError).code;
  }
}

describe('parseForm', () => {
  it('agrees with the byte-by-byte reference on 20,000 generated bodies', () => {
    // Pieces that hit every path: plain ASCII, raw UTF-8 bytes, escapes good and bad, '+', the
    // separators, a BOM, an overlong form, a lone continuation byte, a surrogate.
    const pieces = [
      'a',
      'b',
      'Key',
      '=',
      '=',
      '&',
      '&',
      '+',
      '%',
      '%4',
      '%41',
      '%2B',
      '%3D',
      '%26',
      '%C3',
      '%A9',
      '%C3%A9',
      '%EF%BB%BF',
      '%C0%AE',
      '%ED%A0%80',
      '%FF',
      '%G1',
      'é',
      '\u00c3',
      '\u00a9',
      '\u0080',
      '1',
    ];
    let seed = 14;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      let text = '';
      const length = 1 + random(12);
      for (let j = 0; j < length; j++) text += pieces[random(pieces.length)];
      // 'é' as UTF-8 bytes, the others as single latin1 bytes: raw bytes above 0x7F of both kinds.
      const body = Buffer.concat(text.split(/(é)/).map((part) => Buffer.from(part, part === 'é' ? 'utf8' : 'latin1')));
      assert.equal(outcome(parseForm, body), outcome(reference, body), JSON.stringify(body.toString('latin1')));
    }
  });

  it('reads a 40 MB SendRawEmail body exactly', () => {
    const message = Buffer.alloc(29 * 1024 * 1024);
    for (let i = 0; i < message.length; i++) message[i] = (i * 7919) & 0xff;
    const data = message.toString('base64');
    const body = Buffer.from(`Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=${encodeURIComponent(data)}&Source=a%40example.com`);
    assert.ok(body.length > 39 * 1024 * 1024);
    const form = parseForm(body);
    assert.equal(form.get('Action'), 'SendRawEmail');
    assert.equal(form.get('Source'), 'a@example.com');
    assert.equal(form.get('RawMessage.Data'), data);
  });

  it('reads a million pairs without an equals sign, and a value of ten million escapes', () => {
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `k${i}`);
    const form = parseForm(Buffer.from(`${keys.join('&')}&last=%41`));
    assert.equal(form.size, 1_000_001);
    assert.equal(form.get('k999999'), '');
    assert.equal(form.get('last'), 'A');
    const escapes = parseForm(Buffer.from(`v=${'%41'.repeat(10_000_000)}`));
    assert.equal(escapes.get('v'), 'A'.repeat(10_000_000));
  });

  it('refuses a bad escape or invalid UTF-8 at the end of a large value', () => {
    const big = 'A'.repeat(20_000_000);
    assert.throws(() => parseForm(Buffer.from(`v=${big}%4`)), { code: 'MalformedQueryString' });
    assert.throws(() => parseForm(Buffer.from(`v=${big}%2B%FF`)), { code: 'MalformedQueryString' });
    assert.throws(() => parseForm(Buffer.concat([Buffer.from(`v=${big}`), Buffer.from([0xc3])])), { code: 'MalformedQueryString' });
  });
});
