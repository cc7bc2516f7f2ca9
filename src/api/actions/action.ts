import type { AppContext } from '../../app/context.ts';
import type { Scope } from '../../core/index.ts';
import type { Params } from '../params.ts';
import type { XmlElement } from '../xml.ts';

/**
 * One SES action: reads its members, calls its use case, returns the children of `<ActionResult>`
 * (an empty array for an empty output shape, null for an operation without an output shape).
 */
export interface SesAction {
  readonly name: string;
  /** SES allows the identity operations one call per second per account; they share one limiter. */
  readonly throttled: boolean;
  run(ctx: AppContext, scope: Scope, params: Params): Promise<XmlElement[] | null>;
}
