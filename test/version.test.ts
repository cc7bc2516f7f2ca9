import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SIGNET_VERSION } from '../src/cli/version.ts';
import { REPO_ROOT, SIGNET_BIN } from './helpers/signet-server.ts';

// package.json is the one place the version is written: the build gives it to the bundles, the
// sources read it. Every way of asking prints it.
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const signet = (...args: string[]) => execFileSync(process.execPath, [SIGNET_BIN, ...args], { encoding: 'utf8', env: { ...process.env, AWS_PAGER: '' } });

describe('one version string', () => {
  it('the sources read package.json', () => {
    assert.match(version, /^\d+\.\d+\.\d+/);
    assert.equal(SIGNET_VERSION, version);
  });
  it('signet version and signet --version print it (built bundle)', () => {
    assert.equal(signet('version'), `signet ${version}\n`);
    assert.equal(signet('--version'), `signet ${version}\n`);
  });
  it('signet ses --version prints it as the AWS CLI prints its own', () => {
    assert.equal(signet('ses', '--version'), `signet/${version} Node.js/${process.version} ${process.platform}/${process.arch}\n`);
  });
});
