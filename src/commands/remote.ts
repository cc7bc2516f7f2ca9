import { SignetRouteClient } from '../cli/signet-route-client.ts';
import type { Env } from '../config/config.ts';
import { DKIM_OPTIONS } from '../config/dkim-config.ts';
import { stringOption, UsageError, type ParsedArgs } from './command.ts';
import { STORE_OPTIONS } from './with-signet.ts';

/** The options that name a running server, as `signet ses` takes them (its `--region` is the commands' own). */
export const REMOTE_OPTIONS = {
  'endpoint-url': { type: 'string' },
  profile: { type: 'string' },
  'ca-bundle': { type: 'string' },
} as const;

/** How the server is named, for the usage of a command that needs one. */
export const SERVER_USAGE =
  'server: [--endpoint-url URL] [--profile NAME] [--ca-bundle FILE]: the server named by --endpoint-url, AWS_ENDPOINT_URL_SES,\n' +
  "        AWS_ENDPOINT_URL or the profile's endpoint_url (as signet ses finds it), SigV4-signed with signet ses's credentials";

/** The same for a command that works on the data folder when no server is named. */
export const REMOTE_USAGE = `${SERVER_USAGE};\n        with no endpoint configured, on the data folder (the options below)`;

/**
 * The server a command talks to (`/_signet/` routes), or null when no endpoint is configured and the
 * command works on the data folder. The data folder's options make no sense with a server, so giving
 * one of them while an endpoint is configured is a usage error, not silently ignored.
 */
export function remoteOf(args: ParsedArgs, env: Env, usage: string): SignetRouteClient | null {
  const client = SignetRouteClient.fromConfig(
    {
      endpointUrl: stringOption(args, 'endpoint-url'),
      profile: stringOption(args, 'profile'),
      region: stringOption(args, 'region'),
      caBundle: stringOption(args, 'ca-bundle'),
    },
    env,
    process.cwd(),
    () => {},
  );
  if (client !== null) {
    const local = Object.keys({ ...DKIM_OPTIONS, ...STORE_OPTIONS }).find((name) => args.values[name] !== undefined);
    if (local !== undefined) {
      throw new UsageError(`--${local} applies to the data folder, but an endpoint is configured: the command goes to that server`, usage);
    }
  }
  return client;
}
