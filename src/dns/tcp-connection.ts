import type { Socket } from 'node:net';
import type { TcpLimits } from './tcp-connection-limits.ts';

/**
 * Answers one message; null drops it; several messages answer a zone transfer (RFC 5936 §2.2).
 * Must not throw (a rejection is reported and the message dropped).
 */
export type TcpAnswer = (message: Buffer) => Buffer | readonly Buffer[] | null | Promise<Buffer | readonly Buffer[] | null>;

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Serves DNS-over-TCP framing (RFC 1035 §4.2.2: a two-byte length before each message), answers in
 * order, within `limits`:
 * - backpressure: while `maxInFlight` messages wait for their answer, or the socket's write buffer is
 *   over its high-water mark (16 KiB) because the client does not read, the socket is paused: the
 *   kernel's buffers fill and TCP flow control stops the client. Reading resumes on 'drain';
 * - a message must arrive whole within `messageMs` of its first byte; nothing for `idleMs` closes the
 *   connection, and so does `lifetimeMs` after it opened;
 * - on close, unread bytes and waiting messages are released, and no answer is computed for them.
 */
export function serveTcpConnection(socket: Socket, answer: TcpAnswer, limits: TcpLimits, onError: (err: unknown) => void): void {
  let pending: Buffer = EMPTY;
  let inFlight = 0;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  let messageTimer: NodeJS.Timeout | null = null;
  const lifetimeTimer = setTimeout(() => socket.destroy(), limits.lifetimeMs);
  socket.setTimeout(limits.idleMs, () => socket.destroy());

  const clearMessageTimer = () => {
    if (messageTimer !== null) clearTimeout(messageTimer);
    messageTimer = null;
  };
  // writableNeedDrain: write() said to wait, and 'drain' will come.
  const blocked = () => inFlight >= limits.maxInFlight || socket.writableNeedDrain;

  const respond = async (message: Buffer): Promise<void> => {
    if (closed) return;
    let reply: Buffer | readonly Buffer[] | null = null;
    try {
      reply = await answer(message);
    } catch (err) {
      onError(err);
    }
    inFlight--;
    if (closed) return;
    for (const one of reply === null ? [] : Buffer.isBuffer(reply) ? [reply] : reply) {
      const frame = Buffer.allocUnsafe(2 + one.length);
      frame.writeUInt16BE(one.length, 0);
      frame.set(one, 2);
      socket.write(frame);
    }
    readMore();
  };

  /** Takes whole messages from what was read, as long as the connection may have more in flight. */
  const readMore = () => {
    while (!closed && pending.length >= 2 && !blocked()) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      // A copy: a subarray would keep the whole chunk read (up to 64 KiB) alive while it waits.
      const message = Buffer.from(pending.subarray(2, 2 + length));
      pending = pending.length === 2 + length ? EMPTY : pending.subarray(2 + length);
      clearMessageTimer();
      inFlight++;
      chain = chain.then(() => respond(message));
    }
    if (closed) return;
    if (blocked()) {
      // Our own wait, not the client's slowness: the message clock stops until we read again.
      clearMessageTimer();
      socket.pause();
      return;
    }
    // What is left is the start of a message: it has `messageMs` from now to arrive whole.
    if (pending.length > 0 && messageTimer === null) messageTimer = setTimeout(() => socket.destroy(), limits.messageMs);
    if (socket.isPaused()) socket.resume();
  };

  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    readMore();
  });
  socket.on('drain', readMore);
  socket.on('error', () => socket.destroy());
  socket.once('close', () => {
    closed = true;
    pending = EMPTY;
    clearTimeout(lifetimeTimer);
    clearMessageTimer();
  });
}
