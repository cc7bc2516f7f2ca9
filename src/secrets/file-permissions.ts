import { statSync } from 'node:fs';

/**
 * A secret file or the data folder is unsafe, or the master key is lost: a configuration problem the
 * operator must fix. Named `ConfigError` so that the command line reports it as one (one line, exit
 * 253; src/commands/errors.ts matches by name), without secrets/ depending on config/.
 */
export class SecretsConfigError extends Error {
  override readonly name = 'ConfigError';
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/**
 * Refuses a secret file that group or others may read or write, as ssh refuses a private key file
 * ("Permissions 0644 for '...' are too open"): the master key opens every sealed DKIM key and access
 * key secret, so a readable copy is as good as the keys themselves. The message says which chmod fixes it.
 */
export function checkPrivateFile(path: string): void {
  const mode = statSync(path).mode;
  if ((mode & 0o077) !== 0) {
    throw new SecretsConfigError(
      `permissions ${octal(mode)} for ${path} are too open: it holds the master key and must be readable by its owner only. Fix: chmod 600 ${path}`,
    );
  }
}

/**
 * Refuses a data folder that group or others may write: whoever can write it can replace the store,
 * the master key or the credentials file (ssh checks the folders above a key file the same way).
 */
export function checkPrivateFolder(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if ((mode & 0o022) !== 0) {
    throw new SecretsConfigError(
      `permissions ${octal(mode)} for the data folder ${path} are too open: others could replace its store or master key. Fix: chmod go-w ${path}`,
    );
  }
}
