/** How a serialized request reaches the API: over HTTP(S), or in-process to the embedded handler. */
export interface WireRequest {
  /** The full endpoint URL (scheme, host, port, path), as error messages quote it. */
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Default POST (the Query API); the REST-JSON API uses GET, PUT and DELETE too. */
  readonly method?: string;
}

export interface WireResponse {
  readonly status: number;
  readonly reason: string;
  readonly body: Buffer;
  /** Lower-case names (REST-JSON reads its error code from `x-amzn-errortype`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failure below HTTP: botocore's ConnectionError family. `retryable` follows standard mode. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface Transport {
  send(request: WireRequest): Promise<WireResponse>;
  close?(): Promise<void>;
}
