import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { peerOrSkip } from './helpers/peers.ts';
import { REPO_ROOT, SIGNET_BIN } from './helpers/signet-server.ts';
import { tempDir } from './helpers/temp-dir.ts';

function findSystemdAnalyze(): string | null {
  const r = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'systemd-analyze' : null;
}

/** Runs `systemd-analyze verify` on a unit file; it prints problems, some (unknown keys) with exit 0. */
function verify(unit: string): { status: number | null; output: string } {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Issue 19, item 5: the unit shipped in deploy/ passes `systemd-analyze verify` with no complaint.
 * ExecStart names /usr/bin/signet (where a global install puts it); verify checks that the program
 * exists, so the copy checked here points at this repository's bin/signet instead.
 */
describe('deploy/signet.service', {
  skip: peerOrSkip('systemd-analyze', findSystemdAnalyze(), "apt-get install systemd (Debian's package of systemd-analyze)").skip,
}, () => {
  const dir = tempDir('unit');
  after(() => dir.remove());
  const shipped = readFileSync(join(REPO_ROOT, 'deploy', 'signet.service'), 'utf8');
  const localCopy = (text: string, name: string) => {
    const file = join(dir.path, name);
    writeFileSync(file, text.replace('ExecStart=/usr/bin/signet ', `ExecStart=${SIGNET_BIN} `));
    return file;
  };

  it('verifies clean', () => {
    assert.match(shipped, /^ExecStart=\/usr\/bin\/signet serve /m);
    const r = verify(localCopy(shipped, 'signet.service'));
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output, '', 'no warning either');
  });

  it('binds port 53 as non-root through the one capability, and reloads TLS on SIGHUP', () => {
    assert.match(shipped, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
    assert.match(shipped, /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
    assert.match(shipped, /^DynamicUser=yes$/m);
    assert.match(shipped, /--dns-port 53\b/);
    assert.match(shipped, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    assert.doesNotMatch(shipped, /^MemoryDenyWriteExecute=yes/m, "V8's JIT needs it off");
  });

  it('the check is real: a misspelt key is reported', () => {
    const r = verify(localCopy(shipped.replace('NoNewPrivileges=yes', 'NoNewPrivilegez=yes'), 'broken.service'));
    assert.match(r.output, /Unknown key 'NoNewPrivilegez'/);
  });
});
