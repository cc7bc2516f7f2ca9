import type { AwsConfig, Env } from './config.ts';
import { ParamError } from './errors.ts';

/**
 * The endpoint as the AWS CLI v2 finds it for SES: `--endpoint-url`, then `AWS_ENDPOINT_URL_SES`,
 * `AWS_ENDPOINT_URL`, then the profile's `endpoint_url`. Undefined when none is configured: `signet
 * ses` then serves in-process, and Signet's other commands work on the data folder.
 */
export function configuredEndpoint(flag: string | undefined, env: Env, config: AwsConfig): string | undefined {
  return flag ?? (env['AWS_ENDPOINT_URL_SES'] || env['AWS_ENDPOINT_URL'] || config.get('endpoint_url') || undefined);
}

/** The region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's; null when none. */
export function configuredRegion(flag: string | undefined, env: Env, config: AwsConfig): string | null {
  return flag || env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || config.get('region') || null;
}

/** The endpoint as a URL, refused in the AWS CLI's words when it has no scheme. */
export function endpointUrl(endpoint: string): URL {
  const bad = () =>
    new ParamError(`Bad value for --endpoint-url "${endpoint}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/`);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(endpoint)) throw bad();
  try {
    return new URL(endpoint);
  } catch {
    throw bad();
  }
}
