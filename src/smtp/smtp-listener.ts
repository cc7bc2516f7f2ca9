import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { AppContext } from '../app/context.ts';
import { sendRawEmail } from '../app/send-email.ts';
import type { Scope } from '../core/index.ts';
import { readBounded } from './bounded-read.ts';
import { guardFreedTlsSockets } from './freed-tls-socket-guard.ts';
import type { SmtpAuthenticator } from './smtp-authenticator.ts';
import { acceptedText, REPLIES, replyForError, sesWording, smtpError } from './smtp-replies.ts';
import type { TlsMaterial } from './tls-material.ts';

/** SES: "The maximum message size ... via SMTP is 40 MB" (quotas.md), after base64 encoding. */
export const SMTP_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface SmtpListenerConfig {
  readonly host: string;
  /** STARTTLS submission (SES: 25, 587, 2587); null: not started. 0 picks a free port. */
  readonly starttlsPort: number | null;
  /** Implicit TLS (SES: 465, 2465); null: not started. 0 picks a free port. */
  readonly tlsPort: number | null;
  /** The name in the greeting and EHLO reply. */
  readonly hostname: string;
  /** Concurrent connections per listener. */
  readonly maxConnections: number;
  /** Concurrent connections from one client address, over both listeners. */
  readonly maxConnectionsPerAddress: number;
  /** Inactivity while the client owes us a command or data (SES: about 10 s). */
  readonly idleTimeoutMs: number;
  readonly maxMessageBytes: number;
  /** How long sessions under way may go on after shutdown starts before they are cut with 421. */
  readonly shutdownGraceMs: number;
}

export interface SmtpLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SmtpListenerDeps {
  /** The use cases' context: messages go through SendRawEmail there, exactly as over the API. */
  readonly ctx: AppContext;
  readonly authenticator: SmtpAuthenticator;
  readonly config: SmtpListenerConfig;
  readonly tls: TlsMaterial;
  readonly log: SmtpLog;
  /** Each message's outcome, for `/metrics` (accepted: stored for delivery; rejected: refused). */
  readonly onMessage?: (outcome: 'accepted' | 'rejected') => void;
}

export interface SmtpListener {
  /** `host:port` of each listener that runs. */
  readonly addresses: { readonly starttls: string | null; readonly tls: string | null };
  /** New certificate and key for new connections (SIGHUP with --tls-cert/--tls-key). */
  setTls(material: TlsMaterial): void;
  /**
   * Stops accepting, lets sessions under way finish for the grace period (then 421), and resolves
   * once every message being processed has been stored or refused: nothing acknowledged is lost,
   * and the store may be closed after it.
   */
  close(): Promise<void>;
}

/** Connection counts per listener and per client address. */
class ConnectionGate {
  private readonly perAddress = new Map<string, number>();
  constructor(private readonly config: SmtpListenerConfig) {}

  admit(server: SesSmtpServer, address: string): boolean {
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (server.open >= this.config.maxConnections || fromAddress >= this.config.maxConnectionsPerAddress) return false;
    server.open++;
    this.perAddress.set(address, fromAddress + 1);
    return true;
  }

  release(server: SesSmtpServer, address: string): void {
    server.open--;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
  }
}

/**
 * smtp-server with SES's limits and words: connections over the caps are refused with SES's 421
 * before the greeting, and the library's replies that SES words differently are rewritten on the way
 * out (see sesWording). The protocol itself stays the library's.
 */
class SesSmtpServer extends SMTPServer {
  open = 0;
  readonly bySession = new Map<string, SMTPConnection>();
  private readonly addresses = new Map<string, string>();

  constructor(
    options: SMTPServerOptions,
    private readonly gate: ConnectionGate,
  ) {
    super(options);
  }

  override connect(socket: Socket, socketOptions?: unknown): void {
    const address = socket.remoteAddress ?? '';
    if (!this.gate.admit(this, address)) {
      const { code, text } = REPLIES.tooManyConnections;
      socket.on('error', () => {});
      socket.end(`${code} ${text}\r\n`);
      return;
    }
    // Replies are small writes answering small writes: without this, Nagle's algorithm holds a reply
    // back until the client's delayed ACK (about 40 ms on Linux), the whole latency budget.
    socket.setNoDelay(true);
    super.connect(socket, socketOptions as never);
    // The connection just made is the newest in the set (insertion order). Should it be gone already
    // (or the newest be one seen before), give the slot back rather than count it for ever.
    let connection: SMTPConnection | undefined;
    for (const c of this.connections) connection = c;
    if (connection === undefined || this.addresses.has(connection.id)) {
      this.gate.release(this, address);
      return;
    }
    const original = connection.send.bind(connection);
    const conn = connection;
    connection.send = (code, data, context) => {
      const ses = sesWording(code, typeof data === 'string' ? data : undefined);
      if (ses === null) {
        // EHLO: SES ends its capability list with `250 Ok`.
        if (code === 250 && Array.isArray(data)) return original(code, [...data, 'Ok'], context);
        return original(code, data, context);
      }
      original(ses.reply.code, ses.reply.text, context);
      if (ses.close) conn.close();
    };
    this.bySession.set(connection.id, connection);
    this.addresses.set(connection.id, address);
  }

  /**
   * The connection's end, from smtp-server's onClose: after STARTTLS the TLS socket has taken over
   * the TCP handle and the plain socket never reports its close, so the library's event is the one.
   */
  closed(sessionId: string): void {
    const address = this.addresses.get(sessionId);
    if (address === undefined) return;
    this.addresses.delete(sessionId);
    this.bySession.delete(sessionId);
    this.gate.release(this, address);
  }
}

function hostPort(server: SMTPServer): string {
  const a = server.server.address() as AddressInfo;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * SES's SMTP interface: `signet serve`'s STARTTLS and implicit-TLS listeners. AUTH PLAIN or LOGIN
 * (TLS first) with an access key id and its SMTP password; after DATA, the message goes through
 * SendRawEmail with MAIL FROM as Source and the RCPT TO addresses as Destinations, and the reply is
 * `250 Ok <MessageId>` once the use case has stored it.
 */
export async function startSmtpListener(deps: SmtpListenerDeps): Promise<SmtpListener> {
  // A handshake that ends early must not crash the process (see guardFreedTlsSockets).
  guardFreedTlsSockets();
  const { config, ctx, log } = deps;
  const gate = new ConnectionGate(config);
  const inFlight = new Set<Promise<unknown>>();
  const servers: SesSmtpServer[] = [];

  const options = (secure: boolean): SMTPServerOptions => ({
    secure,
    key: deps.tls.key,
    cert: deps.tls.cert,
    name: config.hostname,
    banner: 'Signet (Amazon SES SMTP interface)',
    heloResponse: '%s',
    authMethods: ['PLAIN', 'LOGIN'],
    authRequiredMessage: REPLIES.authRequired.text,
    // SES advertises 8BITMIME, STARTTLS before TLS and AUTH PLAIN LOGIN; nothing else.
    hidePIPELINING: true,
    hideSMTPUTF8: true,
    hideENHANCEDSTATUSCODES: true,
    hideDSN: true,
    hideREQUIRETLS: true,
    disableReverseLookup: true,
    logger: false,
    socketTimeout: config.idleTimeoutMs,
    closeTimeout: config.shutdownGraceMs,
    maxCommandLength: 4096,
    maxAllowedUnauthenticatedCommands: 10,
    // Past SES's 50 the use case refuses the message; this only bounds what one envelope may hold.
    maxRecipients: 100,
    onAuth(auth, _session, callback) {
      deps.authenticator.authenticate(auth.username ?? '', auth.password ?? '').then(
        (scope) => {
          if (scope === null) callback(null, { message: REPLIES.badCredentials.text, responseCode: REPLIES.badCredentials.code });
          else callback(null, { user: scope });
        },
        (err: unknown) => {
          log.error({ err }, 'SMTP authentication failed');
          callback(smtpError(REPLIES.authTemporaryFailure));
        },
      );
    },
    onMailFrom(address, _session, callback) {
      // A declared size over the limit is refused before any byte of the message is sent (RFC 1870).
      const declared = address.args && typeof address.args['SIZE'] === 'string' ? Number(address.args['SIZE']) : 0;
      callback(declared > config.maxMessageBytes ? smtpError(REPLIES.tooLong) : null);
    },
    onClose(session) {
      (this as unknown as SesSmtpServer).closed(session.id);
    },
    onData(stream, session, callback) {
      const server = this as unknown as SesSmtpServer;
      const work = receive(server, stream, session, callback);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });

  async function receive(
    server: SesSmtpServer,
    stream: NodeJS.ReadableStream & import('node:stream').Readable,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): Promise<void> {
    let raw: Buffer | null;
    try {
      raw = await readBounded(stream, config.maxMessageBytes);
    } catch {
      return; // the client went away in the middle of the message: nobody to answer
    }
    if (raw === null) {
      // Stop reading: answer 552 now and close, rather than draining up to the client's whim.
      const connection = server.bySession.get(session.id);
      connection?.send(REPLIES.tooLong.code, REPLIES.tooLong.text);
      connection?.close();
      return;
    }
    const scope = session.user as Scope;
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    try {
      const messageId = await sendRawEmail(ctx, scope, {
        source: mailFrom === '' ? undefined : mailFrom,
        destinations: session.envelope.rcptTo.map((r) => r.address),
        raw,
        tags: [],
        maxBytes: config.maxMessageBytes,
      });
      deps.onMessage?.('accepted');
      callback(null, acceptedText(messageId));
    } catch (err) {
      deps.onMessage?.('rejected');
      const reply = replyForError(err);
      if (reply === null) log.error({ err, session: session.id }, 'SMTP message processing failed');
      callback(smtpError(reply ?? REPLIES.temporaryFailure));
    }
  }

  const listen = async (secure: boolean, port: number): Promise<SesSmtpServer> => {
    const server = new SesSmtpServer(options(secure), gate);
    server.on('error', (err) => log.error({ err }, 'SMTP connection error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, config.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    servers.push(server);
    return server;
  };

  let starttls: SesSmtpServer | null = null;
  let tls: SesSmtpServer | null = null;
  try {
    if (config.starttlsPort !== null) starttls = await listen(false, config.starttlsPort);
    if (config.tlsPort !== null) tls = await listen(true, config.tlsPort);
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }

  return {
    addresses: { starttls: starttls ? hostPort(starttls) : null, tls: tls ? hostPort(tls) : null },
    setTls(material) {
      for (const s of servers) s.updateSecureContext({ key: material.key, cert: material.cert });
    },
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      // Sessions cut by the grace period may still be inside SendRawEmail: wait for them.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
