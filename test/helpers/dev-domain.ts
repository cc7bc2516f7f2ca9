import { callSigned } from './sign.ts';

/** Any well-formed key: `signet serve --dev` accepts every signature. */
export const DEV_KEY = { accessKeyId: 'AKIDSIGNETTEST', secretAccessKey: 'signet-test-secret' };

/**
 * On a `--dev` server: creates the domain's DKIM keys, publishes its CNAMEs in the dev sandbox
 * resolver and runs detection, so that the domain is verified and its mail DKIM-signed.
 */
export async function verifyDevDomain(url: string, domain: string): Promise<void> {
  const post = (path: string) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain }) });
  await callSigned(url, `Action=VerifyDomainDkim&Version=2010-12-01&Domain=${domain}`, DEV_KEY);
  await post('/_signet/publish-dkim-records');
  const check = (await (await post('/_signet/check')).json()) as { dkimStatus: string };
  if (check.dkimStatus !== 'Success') throw new Error(`domain not verified: ${JSON.stringify(check)}`);
}
