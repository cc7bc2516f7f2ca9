/**
 * The region of a request, read from its SigV4 credential scope
 * (`Credential=AKID/yyyymmdd/REGION/ses/aws4_request`, ses-wire.md §2.3): identities are per region,
 * as in SES. Verifying the signature itself is the authenticator's job; this only reads the scope.
 */
export function regionFromAuthorization(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /Credential=([^,\s]+)/.exec(header);
  if (!match) return null;
  const parts = match[1]!.split('/');
  // The access key id itself never holds '/', so the scope is always the last four parts.
  if (parts.length < 5) return null;
  const region = parts[parts.length - 3]!;
  return /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(region) ? region : null;
}
