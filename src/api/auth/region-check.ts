import { SesError } from '../ses-error.ts';

/**
 * Refuses a credential scope naming a region this server does not serve, as AWS's Query endpoints
 * (SES, STS, IAM, SQS) refuse a scope for a region they do not serve: HTTP 403, `SignatureDoesNotMatch`,
 * "Credential should be scoped to a valid region, not 'xx-fake-1'. " (AWS's text, trailing space
 * included; e.g. aws/aws-sdk-java#1097 for SES, JuliaCloud/AWS.jl#565 for IAM). Checked where the
 * scope is read, before any key lookup or quota: every limit is kept per account and region, so an
 * unchecked name would be a fresh quota (issue 14, finding 5).
 */
export function checkScopeRegion(region: string, allowed: ReadonlySet<string>): void {
  if (!allowed.has(region)) {
    throw new SesError('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${region}'. `, 403);
  }
}
