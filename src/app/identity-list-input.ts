import { DomainError, parseIdentityName, type IdentityName, type ToAscii } from '../core/index.ts';

/** SES accepts at most 100 identities in one Get*Attributes call. */
export const MAX_IDENTITIES_PER_CALL = 100;

/**
 * Parses the `Identities` list of the Get*Attributes operations. Every name must be valid; results are
 * keyed by the name as the caller wrote it, because that is the key SES echoes back.
 */
export function parseIdentityList(inputs: readonly string[], toAscii: ToAscii): Array<[string, IdentityName]> {
  if (inputs.length > MAX_IDENTITIES_PER_CALL) {
    throw new DomainError(
      'too_many_identities',
      `Too many identities: ${inputs.length}. At most ${MAX_IDENTITIES_PER_CALL} identities may be requested at once.`,
    );
  }
  return inputs.map((input) => [input, parseIdentityName(input, toAscii)]);
}
