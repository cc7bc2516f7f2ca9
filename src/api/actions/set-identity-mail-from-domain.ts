import { setIdentityMailFromDomain } from '../../app/set-identity-mail-from-domain.ts';
import { BEHAVIORS_ON_MX_FAILURE, isBehaviorOnMxFailure, type BehaviorOnMxFailure } from '../../core/index.ts';
import { SesError } from '../ses-error.ts';
import type { SesAction } from './action.ts';

/** The model's enum, checked as AWS's validation does before the operation runs (values sorted, as AWS prints them). */
function behaviorOf(value: string | undefined): BehaviorOnMxFailure | undefined {
  if (value === undefined || isBehaviorOnMxFailure(value)) return value;
  throw new SesError(
    'ValidationError',
    `1 validation error detected: Value '${value.slice(0, 256)}' at 'behaviorOnMXFailure' failed to satisfy constraint: Member must satisfy enum value set: [${[...BEHAVIORS_ON_MX_FAILURE].sort().join(', ')}]`,
  );
}

/** SetIdentityMailFromDomain: empty output (`<SetIdentityMailFromDomainResult/>`). */
export const setIdentityMailFromDomainAction: SesAction = {
  name: 'SetIdentityMailFromDomain',
  throttled: true,
  async run(ctx, scope, params) {
    const behaviorOnMxFailure = behaviorOf(params.optionalString('BehaviorOnMXFailure'));
    await setIdentityMailFromDomain(ctx, scope, {
      identity: params.requiredString('Identity'),
      mailFromDomain: params.optionalString('MailFromDomain'),
      behaviorOnMxFailure,
    });
    return [];
  },
};
