import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ShorthandParser, ShorthandParseError } from '../shorthand.ts';
import { compileQuery } from '../query.ts';
import { pyBytesRepr, PyFloat, pyJsonDump, pyReprValue, pyStr, pyEqual, type PyValue } from '../values.ts';
import { formatTable } from './table.ts';
import { formatText } from './text.ts';

/**
 * The command line's formatters and shorthand parser against what the AWS CLI v1 itself prints for
 * the same values (test/fixtures/awscli-reference/awscli-v1.json, made by generate.py there with
 * awscli's own get_formatter and ShorthandParser).
 */
const reference = JSON.parse(readFileSync(new URL('../../../test/fixtures/awscli-reference/awscli-v1.json', import.meta.url), 'utf8')) as {
  formatters: { input: unknown; json: string | null; text: string | null; table: string | null }[];
  shorthand: { input: string; parsed?: unknown; error?: string }[];
  floats: { value: unknown; repr: string; json: string }[];
  queryData: unknown;
  queries: { expression: string; result: unknown }[];
  badQueries: { expression: string; error: string }[];
  reprs: { value: unknown; repr: string }[];
  bytesReprs: { base64: string; repr: string }[];
};

/** Python floats arrive tagged (`{"$float": 200.0}`): JSON alone cannot tell 200.0 from 200. */
function untag(v: unknown): PyValue {
  if (Array.isArray(v)) return v.map(untag);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$float' in o) return new PyFloat(o['$float'] as number);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, untag(x)]));
  }
  return v as PyValue;
}

describe('output formatters, as the AWS CLI prints', () => {
  for (const [i, c] of reference.formatters.entries()) {
    const value = untag(c.input);
    const label = JSON.stringify(c.input).slice(0, 60);
    it(`json #${i} ${label}`, () => {
      // awscli's JSON formatter writes json.dumps(indent=4, ensure_ascii=False) and a newline.
      assert.equal(`${pyJsonDump(value)}\n`, c.json);
    });
    it(`text #${i} ${label}`, () => {
      assert.equal(formatText(value), c.text);
    });
    if (c.table !== null) {
      it(`table #${i} ${label}`, () => {
        assert.equal(formatTable('ListIdentities', value, false, 80), c.table);
      });
    }
  }
});

describe('shorthand syntax, as the AWS CLI parses it', () => {
  for (const c of reference.shorthand) {
    it(c.input, () => {
      if (c.error === undefined) assert.deepEqual(new ShorthandParser().parse(c.input), c.parsed);
      else {
        // awscli 1.45's message for an unexpected end lacks its f-string (it prints the literal
        // "{self._error_location()}"); Signet prints the location there, as earlier awscli did.
        const broken = c.error.endsWith('{self._error_location()}');
        const expected = broken ? c.error.slice(0, c.error.indexOf('\n')) : c.error;
        assert.throws(
          () => new ShorthandParser().parse(c.input),
          (err) =>
            err instanceof ShorthandParseError &&
            (broken ? err.message.split('\n')[0] === expected && err.message.includes(c.input) : err.message === expected),
        );
      }
    });
  }
});

describe('Python floats, as the AWS CLI prints them (repr and json.dumps)', () => {
  for (const f of reference.floats) {
    it(f.repr, () => {
      const value = untag(f.value);
      assert.equal(pyStr(value), f.repr);
      assert.equal(pyJsonDump(value), f.json);
    });
  }
});

describe('--query, as Python jmespath answers', () => {
  const data = untag(reference.queryData);
  for (const q of reference.queries) {
    it(q.expression, () => {
      const result = compileQuery(q.expression).search(data);
      assert.ok(pyEqual(result, untag(q.result)), `${JSON.stringify(result)} vs ${JSON.stringify(q.result)}`);
      // A float stays a float through the query (it prints 200.0, not 200).
      if (q.result !== null && typeof q.result === 'object' && '$float' in q.result) assert.ok(result instanceof PyFloat);
    });
  }
  for (const q of reference.badQueries) {
    it(`refuses ${q.expression} with jmespath's words`, () => {
      assert.throws(
        () => compileQuery(q.expression),
        (err) => err instanceof Error && err.message === `Bad value for --query ${q.expression}: ${q.error}`,
      );
    });
  }
});

describe('Python repr() of strings, containers and bytes (error messages, lists in text output)', () => {
  for (const r of reference.reprs) {
    it(r.repr, () => assert.equal(pyReprValue(r.value), r.repr));
  }
  for (const b of reference.bytesReprs) {
    it(b.repr, () => assert.equal(pyBytesRepr(Buffer.from(b.base64, 'base64')), b.repr));
  }
});
