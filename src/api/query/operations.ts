import type { AppContext } from '../../app/context.ts';
import type { Scope } from '../../core/index.ts';
import type { OperationData, ServiceModelData } from '../../model/service-types.ts';
import { compileDecoder, type DecodeRules, type FormDecoder, type QueryInput } from './decoder.ts';
import { compileEncoder, type EncodeOptions } from './encoder.ts';

/**
 * One SES v1 action over the use cases: typed input in (the model's member names), typed output out
 * (undefined for an operation without an output shape). No form or XML: the operation compiled from
 * the model around it decodes and encodes.
 */
export interface SesAction<I = never, O = unknown> {
  readonly name: string;
  /** SES allows the identity operations one call per second per account; they share one limiter. */
  readonly throttled: boolean;
  /** Where SES's captured behaviour differs from the generic model rules. */
  readonly decode?: DecodeRules;
  run(ctx: AppContext, scope: Scope, input: I): Promise<O>;
}

/** An action with its decoder and encoder, compiled from the model once, when the handler is made. */
export interface QueryOperation {
  readonly name: string;
  readonly throttled: boolean;
  readonly decode: FormDecoder;
  run(ctx: AppContext, scope: Scope, input: QueryInput): Promise<unknown>;
  /** The whole success document: `<XResponse xmlns=...><XResult>...</XResult><ResponseMetadata>...`. */
  respond(output: unknown, requestId: string): string;
}

/** Every operation the model describes, the deprecated ones the command line hides included. */
export function modelOperation(model: ServiceModelData, name: string): OperationData | undefined {
  return model.operations.find((o) => o.name === name) ?? model.serverOnlyOperations?.find((o) => o.name === name);
}

/**
 * Compiles each action against the model; an action the model does not describe, or rules naming a
 * member the model lacks, fail here, when the server starts, not on a request.
 */
export function compileOperations(model: ServiceModelData, actions: readonly SesAction[], options: EncodeOptions = {}): ReadonlyMap<string, QueryOperation> {
  const namespace = model.metadata.xmlNamespace;
  const out = new Map<string, QueryOperation>();
  for (const action of actions) {
    const op = modelOperation(model, action.name);
    if (op === undefined) throw new Error(`the SES model has no operation ${action.name}`);
    const decode = compileDecoder(model, op.input, action.decode);
    const open = `<${op.name}Response xmlns="${namespace}">`;
    const close = `</${op.name}Response>`;
    let respond: QueryOperation['respond'];
    if (op.output === undefined) {
      // No output shape (VerifyEmailAddress): no `<XResult>` at all.
      respond = (_output, requestId) => `${open}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>${close}`;
    } else {
      const encode = compileEncoder(model, op.output, options);
      const wrapper = op.resultWrapper ?? `${op.name}Result`;
      // An empty output still writes `<XResult/>`, which botocore requires.
      respond = (output, requestId) => {
        const body = encode(output ?? {});
        const result = body === '' ? `<${wrapper}/>` : `<${wrapper}>${body}</${wrapper}>`;
        return `${open}${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>${close}`;
      };
    }
    out.set(action.name, {
      name: action.name,
      throttled: action.throttled,
      decode,
      run: (ctx, scope, input) => action.run(ctx, scope, input as never),
      respond,
    });
  }
  return out;
}
