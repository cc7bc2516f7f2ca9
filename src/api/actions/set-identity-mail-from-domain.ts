import { setIdentityMailFromDomain } from '../../app/set-identity-mail-from-domain.ts';
import type { BehaviorOnMxFailure } from '../../core/index.ts';
import type { SesAction } from './action.ts';

/** SetIdentityMailFromDomain: empty output (`<SetIdentityMailFromDomainResult/>`). */
export const setIdentityMailFromDomainAction: SesAction<{ Identity: string; MailFromDomain?: string; BehaviorOnMXFailure?: BehaviorOnMxFailure }, object> = {
  name: 'SetIdentityMailFromDomain',
  throttled: true,
  // SES checks the enum before anything else: a bad BehaviorOnMXFailure is reported even when Identity is missing.
  decode: { first: ['BehaviorOnMXFailure'] },
  async run(ctx, scope, input) {
    await setIdentityMailFromDomain(ctx, scope, {
      identity: input.Identity,
      mailFromDomain: input.MailFromDomain,
      behaviorOnMxFailure: input.BehaviorOnMXFailure,
    });
    return {};
  },
};
