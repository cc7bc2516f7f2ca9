import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PyFloat } from '../values.ts';
import { formatYaml } from './yaml.ts';

/**
 * `--output yaml` (AWS CLI v2's ruamel.yaml safe dump; the byte-exact forms are in the golden replays).
 * Here: whatever the value, the text is YAML 1.2 that reads back as the same data, with strings that
 * look like other types quoted.
 */
describe('YAML output', () => {
  const values: unknown[] = [
    { Identities: ['example.com', 'user@example.com'] },
    { Identities: [] },
    { DkimAttributes: { 'example.com': { DkimEnabled: true, DkimVerificationStatus: 'Pending', DkimTokens: ['a', 'b'] } }, Empty: {} },
    {
      Tricky: [
        'true',
        'null',
        '1.0',
        '0x10',
        '',
        ' lead',
        'trail ',
        'a: b',
        '- dash',
        '#hash',
        'multi\nline',
        'tab\there',
        'quote"s',
        "it's",
        '~',
        'yes',
        '2026-01-01',
        '@at',
        '`tick',
        '%pct',
      ],
    },
    { Numbers: [0, -1, 12345678901234, new PyFloat(200), new PyFloat(0.5), new PyFloat(1e-7)] },
    { Unicode: 'café ✓ 日本', Nested: [[1, [2, []]], { k: [{ a: null }] }] },
  ];
  const plain = (v: unknown): unknown =>
    v instanceof PyFloat
      ? v.valueOf()
      : Array.isArray(v)
        ? v.map(plain)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
          : v;

  for (const [i, value] of values.entries()) {
    it(`#${i} reads back as the same data`, () => {
      const text = formatYaml(value);
      assert.deepEqual(parse(text, { version: '1.2' }), plain(value), text);
    });
  }

  it('sorts mapping keys and writes floats as Python does', () => {
    assert.equal(formatYaml({ b: 1, a: new PyFloat(200) }), 'a: 200.0\nb: 1\n');
  });

  it('a bare scalar is written as JSON (awscli YAMLDumper)', () => {
    assert.equal(formatYaml('text'), '"text"\n');
    assert.equal(formatYaml(null), 'null\n');
  });
});
