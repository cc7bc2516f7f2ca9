/** A request as any transport (HTTP server, in-process CLI) hands it over. */
export interface SesHttpRequest {
  readonly method: string;
  /** Path and query as sent (`/` when absent); SigV4 signs them. */
  readonly path?: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}
