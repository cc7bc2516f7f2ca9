import { TLSSocket } from 'node:tls';

/** What the guard reads of a TLS socket: Node's own fields, not in its types. */
interface TlsSocketInternals {
  readonly _handle: unknown;
  readonly ssl: unknown;
}

let installed = false;

/**
 * Makes `getProtocol()` and `getCipher()` answer null, instead of crashing the process, on a TLS
 * socket whose OpenSSL session is already freed.
 *
 * Node's TLSWrap.close (node:_tls_wrap) sets the socket's `ssl` to null and frees the session before
 * it emits 'close', and for a while `_handle` still holds the wrap; the wrap's getters then pass a
 * null SSL to OpenSSL (SSL_get_version), a segmentation fault, on Node 20, 22 and 24 alike.
 * smtp-server (3.21.6, the latest) asks for the protocol in just that 'close', when a handshake on
 * the implicit-TLS port ends before it finished (normalizeTLSError), so a client that connected
 * and went away at the wrong moment took `signet serve` down: a core dump showed
 * TLSWrap::GetProtocol -> SSL_get_version under smtp-server's onClose, in test/smtp-tls.test.ts's
 * shutdown. The getters are wrapped rather than the library patched: it reaches the socket in
 * several places. Only these two: they are what smtp-server calls on a socket that may be closing
 * (getCipher when a session starts); Node's other getters that lack the check (getPeerCertificate,
 * getSession and the like) are not called there.
 *
 * Installed once per process; a socket with its session answers as before.
 */
export function guardFreedTlsSockets(): void {
  if (installed) return;
  installed = true;
  const prototype = TLSSocket.prototype;
  const getProtocol = prototype.getProtocol;
  const getCipher = prototype.getCipher;
  const freed = (socket: TLSSocket) => {
    const internals = socket as unknown as TlsSocketInternals;
    return internals._handle != null && internals.ssl == null;
  };
  prototype.getProtocol = function (this: TLSSocket) {
    return freed(this) ? null : getProtocol.call(this);
  };
  prototype.getCipher = function (this: TLSSocket) {
    return freed(this) ? (null as unknown as ReturnType<typeof getCipher>) : getCipher.call(this);
  };
}
