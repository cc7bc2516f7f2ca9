import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIALS_FILE = 'credentials';
export const CREDENTIALS_PROFILE = 'signet';

/**
 * Writes the bootstrap key pair as an AWS shared-credentials file (`[signet]` profile), mode 0600, so
 * that `AWS_SHARED_CREDENTIALS_FILE=<data>/credentials aws --profile signet ...` works at once. Written
 * to a temporary file and renamed, so a crash never leaves half a file.
 */
export function writeCredentialsFile(dataDir: string, accessKeyId: string, secretAccessKey: string, region: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, CREDENTIALS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `[${CREDENTIALS_PROFILE}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\nregion = ${region}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  return path;
}
