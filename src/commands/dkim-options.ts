import { coreConfig, type CoreConfig, type Env } from '../config/config.ts';
import { DKIM_OPTIONS } from '../config/dkim-config.ts';
import { stringOption, type ParsedArgs } from './command.ts';
import { STORE_OPTIONS } from './with-signet.ts';

/** The options of the key-zone commands (`dkim doctor`, `dns export`, `dev ...`). */
export const KEY_ZONE_OPTIONS = { ...DKIM_OPTIONS, ...STORE_OPTIONS, region: { type: 'string' }, output: { type: 'string' } } as const;

export const KEY_ZONE_USAGE = 'common: [--dkim-zone ZONE | --dev] [--data-dir DIR | --database postgres://...] [--region REGION]';

export function storeConfigOf(args: ParsedArgs, env: Env): CoreConfig {
  return coreConfig({ dataDir: stringOption(args, 'data-dir'), database: stringOption(args, 'database') }, env);
}

/** The account and region the command acts in: the local account, `--region` or the configured default. */
export function scopeOf(args: ParsedArgs, config: CoreConfig): { accountId: string; region: string } {
  return { accountId: config.accountId, region: stringOption(args, 'region') || config.defaultRegion };
}
