import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainToASCII } from 'node:url';
import { normalizeDomain, normalizeEmail, parseIdentityName } from './identity-name.ts';
import { DomainError } from './errors.ts';

const norm = (s: string) => normalizeDomain(s, domainToASCII);

describe('normalizeDomain', () => {
  it('lower-cases and drops one trailing dot', () => {
    assert.equal(norm('Example.COM'), 'example.com');
    assert.equal(norm('example.com.'), 'example.com');
    assert.throws(() => norm('example.com..'), DomainError);
  });
  it('converts internationalized names to their ASCII form', () => {
    assert.equal(norm('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(norm('MÜNCHEN.de'), 'xn--mnchen-3ya.de');
  });
  it('accepts 63-character labels and 253-character names, no more', () => {
    const l63 = 'a'.repeat(63);
    assert.equal(norm(`${l63}.com`), `${l63}.com`);
    assert.throws(() => norm(`${'a'.repeat(64)}.com`), DomainError);
    const name253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    assert.equal(name253.length, 253);
    assert.equal(norm(name253), name253);
    assert.throws(() => norm(`${name253}x`), DomainError);
  });
  for (const bad of [
    '',
    'com',
    '.',
    'a..b',
    '-a.com',
    'a-.com',
    'a_b.com',
    'a b.com',
    'a\u0000.com',
    'a\tb.com',
    '1.2.3.4',
    'ex ample.com',
    'exa\u200bmple.com\u0080',
    '\u{1F600}',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => norm(bad),
        (err: unknown) => err instanceof DomainError && err.code === 'invalid_domain',
      );
    });
  }
});

describe('normalizeEmail', () => {
  it('keeps the local part and normalizes the domain', () => {
    const e = normalizeEmail('John.Doe+tag@Example.COM', domainToASCII);
    assert.equal(e.name, 'John.Doe+tag@example.com');
    assert.equal(e.domain, 'example.com');
  });
  for (const bad of [
    '@example.com',
    'user@',
    'user',
    'us er@example.com',
    'üser@example.com',
    '.user@example.com',
    'u..ser@example.com',
    `${'a'.repeat(65)}@example.com`,
    'user@bad_domain.com',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => normalizeEmail(bad, domainToASCII),
        (err: unknown) => err instanceof DomainError && err.code === 'invalid_email',
      );
    });
  }
});

describe('parseIdentityName', () => {
  it('tells addresses from domains by the @', () => {
    assert.equal(parseIdentityName('a@b.com', domainToASCII).kind, 'EmailAddress');
    assert.equal(parseIdentityName('B.com', domainToASCII).name, 'b.com');
  });
});
