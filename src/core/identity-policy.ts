import { DomainError } from './errors.ts';

/** SES: "You can attach up to 20 policies to an identity"; GetIdentityPolicies takes at most 20 names. */
export const MAX_POLICIES_PER_IDENTITY = 20;
/** SES: "The policy cannot exceed 4 KB." Counted in UTF-8 bytes, as a stored document is. */
export const MAX_POLICY_BYTES = 4096;

const POLICY_NAME = /^[A-Za-z0-9_-]+$/;
const VERSIONS = new Set(['2008-10-17', '2012-10-17']);

function validation(value: string, field: string, constraint: string): DomainError {
  const shown = value.length > 100 ? `${value.slice(0, 100)}...` : value;
  return new DomainError('validation_failed', `1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

/**
 * A policy name as SES takes it: 1 to 64 characters (the model's length, in AWS's validation words),
 * "can only include alphanumeric characters, dashes, and underscores" (the API reference).
 */
export function checkPolicyName(name: string): string {
  if (name.length < 1) throw validation(name, 'policyName', 'Member must have length greater than or equal to 1');
  if (name.length > 64) throw validation(name, 'policyName', 'Member must have length less than or equal to 64');
  if (!POLICY_NAME.test(name)) {
    throw new DomainError('invalid_parameter', `Invalid policy name ${name}: it can only include alphanumeric characters, dashes, and underscores.`);
  }
  return name;
}

function invalid(reason: string): DomainError {
  return new DomainError('invalid_policy', `Policy is invalid: ${reason}`);
}

function isStringOrStrings(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'));
}

/**
 * Checks a sending authorization policy as SES's PutIdentityPolicy does before it stores one (the
 * policy language of the SES Developer Guide, "Sending authorization policy anatomy"): at most 4 KB,
 * a JSON object, an optional `Version` of the IAM policy language, and a non-empty `Statement` (one
 * statement or a list) whose every statement has `Effect` Allow or Deny, a `Principal`, an `Action`
 * (strings), and a `Resource` (strings) when given. The document is stored as given, not rewritten.
 * The reasons are Signet's words; SES answers every one with InvalidPolicy.
 */
export function checkPolicyDocument(policy: string): string {
  if (policy.length < 1) throw validation(policy, 'policy', 'Member must have length greater than or equal to 1');
  if (new TextEncoder().encode(policy).length > MAX_POLICY_BYTES) throw invalid(`the policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw invalid('the policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('the policy must be a JSON object.');
  const root = doc as Record<string, unknown>;
  if (root['Version'] !== undefined && !(typeof root['Version'] === 'string' && VERSIONS.has(root['Version']))) {
    throw invalid('Version must be 2012-10-17 or 2008-10-17.');
  }
  const statement = root['Statement'];
  if (statement === undefined) throw invalid('the policy has no Statement.');
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statements.length === 0) throw invalid('Statement must not be empty.');
  statements.forEach((s, i) => {
    const where = `statement ${i + 1}`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw invalid(`${where} must be a JSON object.`);
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') throw invalid(`${where} must have an Effect of Allow or Deny.`);
    if (st['Principal'] === undefined || st['Principal'] === null) throw invalid(`${where} has no Principal.`);
    if (!isStringOrStrings(st['Action'])) throw invalid(`${where} must have an Action (a string or a list of strings).`);
    if (st['Resource'] !== undefined && !isStringOrStrings(st['Resource'])) throw invalid(`${where} has a Resource that is not a string or a list of strings.`);
  });
  return policy;
}
