import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrivateFile, SecretsConfigError } from './file-permissions.ts';

export const MASTER_KEY_FILE = 'master.key';

export interface LoadMasterKeyOptions {
  /**
   * Whether a store already holds secrets sealed by a master key. When it does and the key file is
   * missing, a new key would seal new secrets beside old ones nobody can open any more: refuse.
   */
  readonly sealedStoreExists?: boolean;
}

/**
 * The master key that seals secrets at rest: from `SIGNET_MASTER_KEY` (32 bytes, base64 or hex) when
 * set, else from `<data dir>/master.key`, created on first start with mode 0600. The file is written
 * whole under a temporary name and then linked into place: link(2) fails with EEXIST when another
 * process got there first, and then its key is read. So processes starting at once agree on one key,
 * and none ever reads a key file that is still being written (an exclusive create of the final name
 * would let a reader see it empty).
 */
export function loadMasterKey(dataDir: string, fromEnv: string | undefined, options: LoadMasterKeyOptions = {}): Buffer {
  if (fromEnv !== undefined && fromEnv !== '') return parseMasterKey(fromEnv);
  const file = join(dataDir, MASTER_KEY_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const existing = readKeyFile(file);
  if (existing !== null) return existing;
  if (options.sealedStoreExists === true) {
    throw new SecretsConfigError(
      `${file} is missing, but the store in ${dataDir} holds secrets sealed with a master key: restore that master.key ` +
        '(or set SIGNET_MASTER_KEY to it); a new key would not open them, so none is made',
    );
  }
  const key = randomBytes(32);
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process made the key first: everyone uses that one.
    const theirs = readKeyFile(file);
    if (theirs === null) throw err;
    return theirs;
  } finally {
    unlinkSync(temporary);
  }
}

/** The key in the file, null when there is no file; refuses a file others may read (as ssh does). */
function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  checkPrivateFile(file);
  return parseMasterKey(text.trim());
}

function parseMasterKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new SecretsConfigError('SIGNET_MASTER_KEY (or master.key) must hold 32 bytes, base64 or hex');
  return key;
}
