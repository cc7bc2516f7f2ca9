/**
 * The exit codes of every `signet` command (src/commands/errors.ts maps errors to them), `signet ses` included: the AWS CLI v2's (its "Return
 * codes" page), so that scripts treat both alike. No imports: `signet ses`'s start-up bundle carries it.
 */
export const EXIT_OK = 0;
/** A check that ran and found something wrong (`dkim doctor` on a domain whose records are not right), or a thing asked for by id that is not there. */
export const EXIT_NEGATIVE = 1;
/** Usage and parameter errors. */
export const EXIT_USAGE = 252;
/** Configuration errors: no region, no credentials, a bad flag value, a port in use. */
export const EXIT_CONFIG = 253;
/** The service refused (a DomainError with its stable code). */
export const EXIT_SERVICE = 254;
/** Everything else. */
export const EXIT_OTHER = 255;
