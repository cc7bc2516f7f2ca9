import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import { verifyDevDomain } from './helpers/dev-domain.ts';
import { startSignet, type RunningSignet } from './helpers/signet-server.ts';
import { authPlain, sendMessage, SmtpSession } from './helpers/smtp-session.ts';
import { tempDir } from './helpers/temp-dir.ts';

const KILLS = 3;
const CLIENTS = 4;
const DOMAIN = 'crash.example.test';

/**
 * Durability of the SMTP interface: 4 clients send over implicit TLS while the server is SIGKILLed 3
 * times and restarted. `250 Ok <id>` is a promise: every message that got it must be in the outbox
 * after the restarts, signed, exactly once; no message may be stored twice.
 */
describe('SMTP interface: crash recovery under SIGKILL', () => {
  const data = tempDir('smtp-crash');
  after(() => data.remove());

  it(`keeps every acknowledged message across ${KILLS} kills`, async () => {
    const args = [
      '--data-dir',
      data.path,
      '--dev',
      '--key-bits',
      '1024',
      '--key-pool-size',
      '3',
      '--no-throttle',
      '--log-level',
      'error',
      '--max-send-rate',
      '100000',
      '--max-24-hour-send=-1',
    ];
    let server: RunningSignet = await startSignet(args);
    // A failed assertion must not leave a server behind (its pipes would keep the test process alive).
    try {
      await run();
    } finally {
      await server.stop();
    }

    async function run(): Promise<void> {
      await verifyDevDomain(server.url, DOMAIN);

      const acked = new Map<string, string>(); // message id -> marker
      let counter = 0;
      let cut = 0;
      for (let round = 0; round <= KILLS; round++) {
        const port = server.smtp.tlsPort!;
        let stop = false;
        const loops = Array.from({ length: CLIENTS }, async (_, client) => {
          while (!stop) {
            let session: SmtpSession | null = null;
            try {
              ({ session } = await SmtpSession.open(port, true));
              await session.command('EHLO crash.test');
              if (!(await session.command(authPlain('any', 'thing')))?.startsWith('235')) throw new Error('auth');
              while (!stop) {
                const marker = `r${round}-c${client}-${counter++}`;
                const reply = await sendMessage(
                  session,
                  `s@${DOMAIN}`,
                  ['r@example.net'],
                  `From: s@${DOMAIN}\r\nTo: r@example.net\r\nSubject: ${marker}\r\n\r\n${marker} body\r\n`,
                );
                const id = /^250 Ok (\S+)$/.exec(reply ?? '')?.[1];
                if (id === undefined) throw new Error(`not acknowledged: ${reply}`);
                acked.set(id, marker);
              }
            } catch {
              cut++; // the server died under the session: whatever was not acknowledged does not count
              await new Promise((r) => setTimeout(r, 20));
            } finally {
              session?.close();
            }
          }
        });
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
        if (round < KILLS) {
          server.process.kill('SIGKILL');
          await new Promise((r) => server.process.once('exit', r));
          stop = true;
          await Promise.all(loops);
          server = await startSignet(args);
        } else {
          stop = true;
          await Promise.all(loops);
        }
      }
      process.stdout.write(`# ${acked.size} messages acknowledged over SMTP, ${cut} sessions cut by kills\n`);
      assert.ok(acked.size >= 20, `only ${acked.size} messages were acknowledged`);
      assert.ok(cut >= KILLS, 'the kills cut sessions under way');
      assert.equal(await server.stop(), 0);

      const db = new BetterSqlite3(join(data.path, 'signet.db'), { readonly: true });
      const rows = db.prepare("SELECT message_id, subject, signing_domain, raw_base64 FROM outbox_messages WHERE kind = 'raw'").all() as {
        message_id: string;
        subject: string;
        signing_domain: string | null;
        raw_base64: string;
      }[];
      db.close();
      const byId = new Map(rows.map((r) => [r.message_id, r]));
      for (const [id, marker] of acked) {
        const row = byId.get(id);
        assert.ok(row, `acknowledged ${id} (${marker}) is in the outbox`);
        assert.equal(row.subject, marker);
        assert.equal(row.signing_domain, DOMAIN, `${id} is signed`);
        assert.match(
          Buffer.from(row.raw_base64, 'base64').toString('latin1'),
          new RegExp(`^DKIM-Signature: (?:[^\\r]|\\r\\n\\t)*d=${DOMAIN.replace(/\./g, '\\.')};`),
        );
      }
      const subjects = rows.map((r) => r.subject);
      assert.equal(new Set(subjects).size, subjects.length, 'no message is stored twice');
    }
  });
});
