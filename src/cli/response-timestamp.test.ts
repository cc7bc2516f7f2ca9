import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTimestamp } from './response-parser.ts';

// What botocore's parse_timestamp(value).isoformat() gives (awscli customizations/timestampformat.py,
// the default cli_timestamp_format iso8601), checked with python3 -c 'from botocore.utils import
// parse_timestamp; print(parse_timestamp(V).isoformat())' for each value.
test('timestamps print as the AWS CLI prints them by default', () => {
  assert.equal(isoTimestamp('2011-08-03T19:23:00Z'), '2011-08-03T19:23:00+00:00');
  assert.equal(isoTimestamp('2011-08-03T19:23:00.000Z'), '2011-08-03T19:23:00+00:00');
  assert.equal(isoTimestamp('2011-08-03T19:23:00.5Z'), '2011-08-03T19:23:00.500000+00:00');
  assert.equal(isoTimestamp('2011-08-03T19:23:00.1234567Z'), '2011-08-03T19:23:00.123456+00:00');
  assert.equal(isoTimestamp('2011-08-03T19:23:00+0130'), '2011-08-03T19:23:00+01:30');
  assert.equal(isoTimestamp('2011-08-03T19:23:00-05:00'), '2011-08-03T19:23:00-05:00');
  assert.equal(isoTimestamp('2011-08-03T19:23:00'), '2011-08-03T19:23:00');
  assert.equal(isoTimestamp('yesterday'), 'yesterday');
});
