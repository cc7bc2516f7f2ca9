import { BetterSqlite3 } from '../../src/storage/sqlite/better-sqlite3.ts';
import { join } from 'node:path';
import { coreConfig } from '../../src/config/config.ts';
import { createSignet, SQLITE_FILE, systemRuntime, type Signet } from '../../src/main/signet.ts';
import { tempDir } from './temp-dir.ts';

export interface TestApp {
  readonly embedded: Signet;
  readonly dataDir: string;
  /** Sends a raw form body through the in-process handler. */
  call(body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: string; code: string | null }>;
  /** Every identity and key row, read straight from the SQLite file (for "nothing changed" checks). */
  snapshot(): unknown;
  close(): Promise<void>;
}

/** The embedded composition (real store, real keys) in a temp data folder, with 1024-bit keys for speed. */
export async function openTestApp(options: { keyBits?: '1024' | '2048'; poolTarget?: number } = {}): Promise<TestApp> {
  const dir = tempDir('app');
  const config = coreConfig({ dataDir: dir.path, keyBits: options.keyBits ?? '1024' }, {});
  const embedded = await createSignet(config, systemRuntime, { api: { auth: 'local' }, keyPool: { target: options.poolTarget ?? 0, concurrency: 2 } });
  if ((options.poolTarget ?? 0) > 0) embedded.keyPool.start();
  return {
    embedded,
    dataDir: dir.path,
    async call(body, headers = {}) {
      const response = await embedded.handler!({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
        body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
      });
      const code = /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? null;
      return { status: response.status, body: response.body, code };
    },
    snapshot() {
      const db = new BetterSqlite3(join(dir.path, SQLITE_FILE), { readonly: true });
      try {
        return {
          identities: db.prepare('SELECT * FROM identities ORDER BY id').all(),
          keys: db.prepare('SELECT * FROM dkim_keys ORDER BY id').all(),
        };
      } finally {
        db.close();
      }
    },
    async close() {
      await embedded.close();
      dir.remove();
    },
  };
}
