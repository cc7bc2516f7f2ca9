import { AwsConfig, type Credentials, type Env } from './config.ts';
import { configuredEndpoint, configuredRegion, endpointUrl } from './endpoint.ts';
import { CliError, ConfigurationError, EXIT_SERVICE, NO_REGION, OtherError } from './errors.ts';
import { HttpTransport } from './http-transport.ts';
import { signRequest } from './sign.ts';
import { TransportError, type Transport, type WireResponse } from './transport.ts';
import { SIGNET_VERSION } from './version.ts';

/** The options of Signet's commands that may talk to a running server, as `signet ses` takes them. */
export interface RemoteOptions {
  readonly endpointUrl?: string | undefined;
  readonly profile?: string | undefined;
  readonly region?: string | undefined;
  readonly verifySsl?: boolean;
  readonly caBundle?: string | undefined;
}

/**
 * A refusal by the server's `/_signet/` route, printed in the AWS CLI's words for a service error
 * ("An error occurred (CODE) when calling ...: MESSAGE") and exit 254, as `signet ses` reports one.
 */
export class SignetRouteServiceError extends CliError {
  constructor(
    readonly code: string,
    readonly serviceMessage: string,
    readonly route: string,
    readonly httpStatus: number,
  ) {
    super(`An error occurred (${code}) when calling ${route}: ${serviceMessage}`, EXIT_SERVICE);
  }
}

/** The `/_signet/` routes' error shape (`{"__type", "message"}`); an SES XML error or the bare status otherwise. */
export function routeErrorOf(response: WireResponse): { code: string; message: string } {
  const text = response.body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const code = parsed['__type'] ?? parsed['code'] ?? parsed['error'];
    const message = parsed['message'] ?? parsed['Message'];
    if (typeof code === 'string') return { code, message: typeof message === 'string' ? message : response.reason };
  } catch {
    // Not JSON: an SES endpoint's XML, or a proxy's page.
  }
  const xmlCode = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  if (xmlCode !== undefined) return { code: xmlCode, message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? response.reason };
  return { code: String(response.status), message: response.reason || 'Unknown' };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls the `/_signet/` routes of a running Signet: the endpoint, region and credentials found exactly
 * as `signet ses` finds them (./endpoint.ts, ./config.ts), each request a POST with a JSON body,
 * SigV4-signed (service `ses`) with those credentials. Without credentials the request goes unsigned,
 * which `serve --dev` accepts as its local account and a production server refuses with SES's
 * `MissingAuthenticationToken`.
 */
export class SignetRouteClient {
  private constructor(
    private readonly base: URL,
    private readonly region: string | null,
    private readonly credentials: Credentials | null,
    private readonly transport: Transport,
  ) {}

  /** The client of the configured endpoint, or null when none is configured (work on the data folder). */
  static fromConfig(options: RemoteOptions, env: Env, cwd: string, warn: (message: string) => void): SignetRouteClient | null {
    const config = new AwsConfig(env, options.profile);
    const endpoint = configuredEndpoint(options.endpointUrl, env, config);
    if (endpoint === undefined) return null;
    const url = endpointUrl(endpoint);
    const base = new URL(url.href);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const transport = new HttpTransport({
      verifySsl: options.verifySsl ?? true,
      caBundle: options.caBundle ?? env['AWS_CA_BUNDLE'] ?? config.get('ca_bundle'),
      cwd,
      connectTimeout: 60,
      readTimeout: 60,
      warn,
    });
    return new SignetRouteClient(base, configuredRegion(options.region, env, config), config.tryCredentials(), transport);
  }

  /** The route's JSON answer; a refusal throws SignetRouteServiceError, a connection failure OtherError. */
  async call(route: string, params: Readonly<Record<string, string>>): Promise<unknown> {
    const url = new URL(`_signet/${route}`, this.base);
    const shown = `${url.pathname}`;
    const body: Record<string, string> = { ...params };
    if (this.credentials === null && this.region !== null) body['region'] = this.region;
    const json = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { Host: url.host, 'Content-Type': 'application/json' };
      if (this.credentials !== null) {
        // As `signet ses` does: signing needs a region, and none configured is the AWS CLI's error.
        if (this.region === null) throw new ConfigurationError(NO_REGION);
        Object.assign(
          headers,
          signRequest({ url, headers: { 'content-type': 'application/json', host: url.host }, body: json }, this.credentials, this.region),
        );
      }
      headers['User-Agent'] = `signet/${SIGNET_VERSION} Node.js/${process.version} command/${route}`;
      let response: WireResponse;
      try {
        response = await this.transport.send({ url, headers, body: json });
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        if (err.retryable && attempt < 3) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        throw new OtherError(err.message);
      }
      if (response.status >= 300) {
        const { code, message } = routeErrorOf(response);
        // The detection worker holds the domain for the length of its own check: wait it out briefly.
        if (code === 'ConflictException' && attempt < 8) {
          await sleep(50 * 2 ** attempt);
          continue;
        }
        throw new SignetRouteServiceError(code, message, shown, response.status);
      }
      try {
        return JSON.parse(response.body.toString('utf8')) as unknown;
      } catch {
        throw new OtherError(`Unable to parse the answer of ${url.href} (HTTP ${response.status}): not JSON. Is the endpoint a Signet server?`);
      }
    }
  }
}
