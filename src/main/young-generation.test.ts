import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needsYoungGenerationCap, semiSpaceSizeGiven, withYoungGenerationCap, YOUNG_GENERATION_FLAG } from './young-generation.ts';

test("a DNS worker's flags: the server's, with the cap added unless a semi-space size was given", () => {
  assert.deepEqual(withYoungGenerationCap(['--enable-source-maps'], undefined), ['--enable-source-maps', YOUNG_GENERATION_FLAG]);
  assert.deepEqual(withYoungGenerationCap(['--max-semi-space-size=64'], undefined), ['--max-semi-space-size=64'], "the operator's own size kept");
  assert.deepEqual(withYoungGenerationCap([YOUNG_GENERATION_FLAG], undefined), [YOUNG_GENERATION_FLAG], 'not twice (a server started again with it)');
  assert.deepEqual(withYoungGenerationCap([], '--max-old-space-size=512 --max_semi_space_size=8'), [], 'given in NODE_OPTIONS, V8 spelling');
});

test('a semi-space size is given by the flag alone, not by a flag that merely starts alike', () => {
  assert.equal(semiSpaceSizeGiven(['--max-semi-space-size', '8'], undefined), true);
  assert.equal(semiSpaceSizeGiven(['--max-semi-space-size-extra=1'], undefined), false);
  assert.equal(semiSpaceSizeGiven(['--min-semi-space-size=1'], ''), false);
  assert.equal(semiSpaceSizeGiven([], undefined), false);
});

test('the commands started again with the cap: serve and dns export, no other', () => {
  assert.equal(needsYoungGenerationCap(['serve', '--dev']), true);
  assert.equal(needsYoungGenerationCap(['dns', 'export', '--dkim-zone', 'z']), true);
  assert.equal(needsYoungGenerationCap(['dns', 'check']), false);
  assert.equal(needsYoungGenerationCap(['admin', 'status']), false);
  assert.equal(needsYoungGenerationCap([]), false);
});
