import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForm, printable } from './form.ts';
import { SesError } from './ses-error.ts';

const sesError = (code: string, pattern?: RegExp) => (err: unknown) =>
  err instanceof SesError && err.code === code && (pattern === undefined || pattern.test(err.message));

describe('the Query-protocol form (api/form.ts)', () => {
  it('decodes percent-encoding and + as space, as botocore writes them, and keeps order', () => {
    const form = parseForm(Buffer.from('Action=SendEmail&Message.Subject.Data=a+b%20c%2Bd&Source=%E2%9C%93%40ex.com&Empty=&Bare'));
    assert.deepEqual(
      [...form],
      [
        ['Action', 'SendEmail'],
        ['Message.Subject.Data', 'a b c+d'],
        ['Source', '✓@ex.com'],
        ['Empty', ''],
        ['Bare', ''],
      ],
    );
    assert.equal(parseForm(Buffer.alloc(0)).size, 0);
    assert.equal(parseForm(Buffer.from('&&a=1&')).get('a'), '1');
  });

  it('refuses a duplicate key (a lenient parser would keep the last, not what was signed)', () => {
    assert.throws(() => parseForm(Buffer.from('Domain=a.example&Domain=b.example')), sesError('InvalidParameterValue', /Domain is given more than once/));
  });

  it('refuses bad percent-encoding, invalid UTF-8 and an empty name', () => {
    assert.throws(() => parseForm(Buffer.from('a=%zz')), sesError('MalformedQueryString', /percent-encoding/));
    assert.throws(() => parseForm(Buffer.from('a=%E2%9C')), sesError('MalformedQueryString', /UTF-8/));
    assert.throws(() => parseForm(Buffer.from('a=%C0%80')), sesError('MalformedQueryString', /UTF-8/), 'overlong encoding');
    assert.throws(() => parseForm(Buffer.from('=x')), sesError('MalformedQueryString', /empty name/));
    assert.throws(() => parseForm(Buffer.from('a=%')), sesError('MalformedQueryString'));
  });

  it('printable() shortens and escapes what it echoes', () => {
    assert.equal(printable('a"\n'), 'a\\"\\n');
    assert.equal(printable('x'.repeat(100)), `${'x'.repeat(80)}...`);
  });
});
