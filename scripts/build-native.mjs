// Builds native/udp-batch, the DNS server's UDP socket read with recvmmsg and written with sendmmsg
// (src/dns/batch-udp-socket.ts), with the node-gyp that npm carries. Runs as the package's `install`
// script: on `npm ci` in a checkout and on `npm install` of the package alike. Linux only (the calls
// are Linux's). A build that fails leaves the install going: the server then answers UDP through
// Node's dgram, and says so in its log (`dns udp path`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = join(root, 'native', 'udp-batch');

/** npm tells its scripts where its node-gyp is (npm_config_node_gyp); else the one beside npm. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try {
    const npmDir = dirname(createRequire(import.meta.url).resolve('npm/package.json'));
    return join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  } catch {
    const beside = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return existsSync(beside) ? beside : null;
  }
}

if (process.platform !== 'linux') {
  console.log("signet: the batch UDP socket is Linux only; DNS answers UDP through Node's dgram");
} else {
  const gyp = nodeGyp();
  const built = gyp !== null && spawnSync(process.execPath, [gyp, 'rebuild', '--directory', dir], { stdio: 'inherit', cwd: root }).status === 0;
  if (!built) {
    console.warn(`signet: native/udp-batch did not build (${gyp === null ? 'node-gyp not found' : 'see above'}); DNS answers UDP through Node's dgram`);
  }
}
