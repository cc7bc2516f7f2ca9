import type { AccountsContext } from '../app/accounts.ts';
import { resolveAccessKey } from '../app/accounts.ts';
import { DomainError } from '../core/index.ts';
import { smtpPasswordV4 } from './smtp-password.ts';
import { smtpRegions } from './smtp-service.ts';

/**
 * SES's SMTP credentials of an access key for one region (`signet admin smtp-credentials`): the user
 * name is the key id, the password its v4 SMTP password, which authenticates in that region only.
 */
export async function smtpCredentials(
  ctx: Pick<AccountsContext, 'accounts' | 'sealer'>,
  accessKeyId: string,
  region: string,
  defaultRegion: string,
): Promise<{ SmtpUserName: string; SmtpPassword: string; Region: string }> {
  const regions = smtpRegions(defaultRegion);
  if (!regions.includes(region)) {
    throw new DomainError('invalid_parameter', `Region ${region} has no SMTP endpoint here; one of: ${regions.join(', ')}.`);
  }
  const key = await resolveAccessKey(ctx, accessKeyId);
  if (key === null) throw new DomainError('invalid_parameter', `Access key ${accessKeyId} does not exist.`);
  return { SmtpUserName: accessKeyId, SmtpPassword: smtpPasswordV4(key.secretAccessKey, region), Region: region };
}
