import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/**
 * A line-level SMTP client for tests that must see exact replies (the refusals, the limits): sends
 * what it is told, returns each complete reply (multi-line replies joined with \n). Real clients
 * (nodemailer, smtplib, swaks) are the other tests' business.
 */
export class SmtpSession {
  private buffer = '';
  private readonly replies: string[] = [];
  private readonly waiters: ((reply: string | null) => void)[] = [];
  closed = false;
  readonly ended: Promise<void>;
  private endedResolve!: () => void;

  private constructor(private socket: Socket | TLSSocket) {
    this.ended = new Promise((r) => (this.endedResolve = r));
    this.attach(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.endedResolve();
      for (const w of this.waiters.splice(0)) w(null);
    });
  }

  private onData(d: string): void {
    this.buffer += d;
    let current: string[] = [];
    for (;;) {
      const nl = this.buffer.indexOf('\r\n');
      if (nl < 0) break;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 2);
      current.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = current.join('\n');
        current = [];
        const w = this.waiters.shift();
        if (w) w(reply);
        else this.replies.push(reply);
      }
    }
    // A partial multi-line reply stays in the buffer until its last line arrives.
    if (current.length > 0) this.buffer = `${current.join('\r\n')}\r\n${this.buffer}`;
  }

  /** Opens a session (implicit TLS when asked) and returns it with the greeting read. */
  static async open(port: number, implicitTls = false): Promise<{ session: SmtpSession; greeting: string | null }> {
    const socket = implicitTls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(implicitTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const session = new SmtpSession(socket);
    const greeting = await session.reply();
    return { session, greeting };
  }

  /** The next reply, or null when the server closed the connection first. */
  reply(timeoutMs = 30000): Promise<string | null> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SMTP reply within the time limit')), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  write(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  async command(line: string): Promise<string | null> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** STARTTLS, then the TLS handshake over the same connection. */
  async startTls(): Promise<string | null> {
    const reply = await this.command('STARTTLS');
    if (!reply?.startsWith('220')) return reply;
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
    return reply;
  }

  /** Resolves once the socket can take more (for writing a large message without buffering it all). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.socket.writableNeedDrain || this.closed) return resolve();
      const done = () => resolve();
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export const authPlain = (user: string, password: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`;

/** Logs in over STARTTLS; returns the AUTH reply. */
export async function loggedIn(port: number, user: string, password: string): Promise<{ session: SmtpSession; auth: string | null }> {
  const { session } = await SmtpSession.open(port);
  await session.command('EHLO client.test');
  await session.startTls();
  await session.command('EHLO client.test');
  return { session, auth: await session.command(authPlain(user, password)) };
}

/** MAIL, RCPT..., DATA with `message` (dot-stuffed here), returning the reply to the final dot. */
export async function sendMessage(session: SmtpSession, from: string, to: readonly string[], message: string): Promise<string | null> {
  const mail = await session.command(`MAIL FROM:<${from}>`);
  if (!mail?.startsWith('250')) return mail;
  for (const r of to) {
    const rcpt = await session.command(`RCPT TO:<${r}>`);
    if (!rcpt?.startsWith('250')) return rcpt;
  }
  const data = await session.command('DATA');
  if (!data?.startsWith('354')) return data;
  const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  session.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
  return session.reply();
}
