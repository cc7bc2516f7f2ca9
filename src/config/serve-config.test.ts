import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, serveConfig } from './config.ts';

const configError = (pattern: RegExp) => (err: unknown) => err instanceof ConfigError && pattern.test((err as Error).message);

test('--auto-verify: emails by default in --dev, none outside it; none|emails|all in --dev, only none in production', () => {
  assert.equal(serveConfig({}, {}, 1, true).autoVerify, 'emails');
  assert.equal(serveConfig({}, {}, 1, false).autoVerify, 'none');
  for (const mode of ['none', 'emails', 'all'] as const) assert.equal(serveConfig({ autoVerify: mode }, {}, 1, true).autoVerify, mode);
  assert.equal(serveConfig({}, { SIGNET_AUTO_VERIFY: 'all' }, 1, true).autoVerify, 'all');
  assert.equal(serveConfig({ autoVerify: 'none' }, {}, 1, false).autoVerify, 'none');
  for (const mode of ['emails', 'all']) {
    assert.throws(() => serveConfig({ autoVerify: mode }, {}, 1, false), configError(/^--auto-verify .* is for --dev only/));
    assert.throws(() => serveConfig({}, { SIGNET_AUTO_VERIFY: mode }, 1, false), configError(/for --dev only/));
  }
  assert.throws(() => serveConfig({ autoVerify: 'some' }, {}, 1, true), configError(/^--auto-verify must be none, emails or all, not "some"$/));
});

test('--sandbox: the dev account in the sandbox, in --dev only', () => {
  assert.equal(serveConfig({}, {}, 1, true).sandbox, false);
  assert.equal(serveConfig({ sandbox: true }, {}, 1, true).sandbox, true);
  assert.throws(() => serveConfig({ sandbox: true }, {}, 1, false), configError(/^--sandbox is for --dev only/));
});
