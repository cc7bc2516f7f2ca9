import type { Scope } from '../core/index.ts';

/** A request as any transport (HTTP server, in-process CLI) hands it over. */
export interface SesHttpRequest {
  readonly method: string;
  /** Path and query as sent (`/` when absent); SigV4 signs them. */
  readonly path?: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /**
   * The body's SHA-256 (hex), when the transport computed it while the body arrived (the HTTP server
   * does for large bodies, so that hashing 40 MB never holds the event loop in one piece).
   */
  readonly bodySha256?: string | undefined;
  /**
   * The transport's id for this request (the HTTP server's, on its access-log line): answered as
   * `x-amzn-RequestId`, so one id finds the request in the log. Absent: the handler makes one.
   */
  readonly requestId?: string | undefined;
  /** What `Authenticator.precheck` returned for these headers, if the transport ran it. */
  readonly prechecked?: Scope | undefined;
}
