import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../core/index.ts';
import { parseForm, printable } from './form.ts';
import { Params } from './params.ts';
import { SesError } from './ses-error.ts';

const sesError = (code: string, pattern?: RegExp) => (err: unknown) =>
  err instanceof SesError && err.code === code && (pattern === undefined || pattern.test(err.message));
const params = (body: string) => new Params(parseForm(Buffer.from(body, 'latin1')));

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

describe('typed parameters (api/params.ts)', () => {
  it('strings, booleans and integers', () => {
    const p = params('S=v&T=true&F=false&N=-42&Bad=yes&Big=12345678901&Frac=1.5');
    assert.equal(p.requiredString('S'), 'v');
    assert.equal(p.optionalString('Nope'), undefined);
    assert.equal(p.requiredBoolean('T'), true);
    assert.equal(p.requiredBoolean('F'), false);
    assert.throws(() => p.requiredBoolean('Bad'), sesError('InvalidParameterValue', /true or false/));
    assert.equal(p.optionalInteger('N'), -42);
    assert.equal(p.optionalInteger('Nope'), undefined);
    assert.throws(() => p.optionalInteger('Big'), sesError('InvalidParameterValue'));
    assert.throws(() => p.optionalInteger('Frac'), sesError('InvalidParameterValue'));
  });

  it("a missing required member is AWS's model-validation message, lower-camel-cased", () => {
    assert.throws(
      () => params('').requiredString('EmailAddress'),
      (err) =>
        isDomainError(err) &&
        err.code === 'missing_parameter' &&
        err.message === "1 validation error detected: Value null at 'emailAddress' failed to satisfy constraint: Member must not be null",
    );
  });

  it('lists: Name.member.N in numeric order, the bare Name= for an empty list, gaps refused', () => {
    assert.deepEqual(
      params(
        'Identities.member.2=b&Identities.member.1=a&Identities.member.10=j&' +
          Array.from({ length: 7 }, (_, i) => `Identities.member.${i + 3}=${i}`).join('&'),
      ).requiredStringList('Identities'),
      ['a', 'b', '0', '1', '2', '3', '4', '5', '6', 'j'],
    );
    assert.deepEqual(params('Identities=').requiredStringList('Identities'), []);
    assert.deepEqual(params('Identities=').optionalStringList('Identities'), []);
    assert.equal(params('Other=1').optionalStringList('Identities'), undefined);
    assert.throws(
      () => params('Identities.member.1=a&Identities.member.3=c').requiredStringList('Identities'),
      sesError('InvalidParameterValue', /without gaps/),
    );
    assert.throws(() => params('Identities.member.0=a').requiredStringList('Identities'), sesError('InvalidParameterValue', /index/));
    assert.throws(() => params('Identities.member.01=a').requiredStringList('Identities'), sesError('InvalidParameterValue'));
    assert.throws(
      () => params('').requiredStringList('Identities'),
      (err) => isDomainError(err) && err.code === 'missing_parameter',
    );
  });

  it('structure lists (Tags.member.N.Name/Value): fields by name, unknown fields and gaps refused', () => {
    assert.deepEqual(params('Tags.member.1.Name=a&Tags.member.1.Value=1&Tags.member.2.Name=b').structureList('Tags', ['Name', 'Value']), [
      { Name: 'a', Value: '1' },
      { Name: 'b' },
    ]);
    assert.deepEqual(params('').structureList('Tags', ['Name', 'Value']), []);
    assert.throws(() => params('Tags.member.1.Colour=x').structureList('Tags', ['Name', 'Value']), sesError('InvalidParameterValue', /Invalid list member/));
    assert.throws(() => params('Tags.member.2.Name=x').structureList('Tags', ['Name', 'Value']), sesError('InvalidParameterValue', /without gaps/));
  });
});
