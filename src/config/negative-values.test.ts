import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { it } from 'node:test';
import { joinNegativeNumbers } from './negative-values.ts';

const OPTIONS = { 'max-24-hour-send': { type: 'string' }, 'outbox-api': { type: 'boolean' } } as const;

it('joins a negative number to the option before it, so parseArgs takes it as the value', () => {
  const argv = joinNegativeNumbers(['--max-24-hour-send', '-1', '--outbox-api'], OPTIONS);
  assert.deepEqual(argv, ['--max-24-hour-send=-1', '--outbox-api']);
  assert.equal(parseArgs({ args: argv, options: OPTIONS, strict: true }).values['max-24-hour-send'], '-1');
  // Not a number, a boolean option, or already joined: left as given.
  assert.deepEqual(joinNegativeNumbers(['--max-24-hour-send', '-x'], OPTIONS), ['--max-24-hour-send', '-x']);
  assert.deepEqual(joinNegativeNumbers(['--outbox-api', '-1'], OPTIONS), ['--outbox-api', '-1']);
  assert.deepEqual(joinNegativeNumbers(['--max-24-hour-send=-1'], OPTIONS), ['--max-24-hour-send=-1']);
});
