/**
 * The declarative description of a service, as the generator extracts it from botocore's models: the
 * ONE model of each service, read by the command line (its arguments, skeletons, help, serializer and
 * parser) and by the server (SES v1's Query API decodes and encodes by it, src/api/query/; SES v2's
 * REST-JSON API routes and validates by it, src/api/v2/). For SES v2 it is the newer botocore's model
 * with AWS CLI 2.9.19's differences marked (`cli`, `cliHttp`, types.ts); the command line reads it
 * through cliView (cli-view.ts), the server as it is.
 */

import type { HttpBinding, MemberData as ModelMember, ShapeData as ModelShape } from './types.ts';

export type ShapeType = 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'double' | 'float' | 'boolean' | 'blob' | 'timestamp';

/** A member as the models always carry it: with its documentation's first sentence. */
export interface MemberData extends ModelMember {
  /** First sentence of the member's documentation (awscli's get_shape_doc_overview; 2.9.19's where it has the member). */
  readonly overview: string;
}

/** The shared shape schema (src/model/types.ts), with members that carry their overview. */
export interface ShapeData extends ModelShape {
  readonly type: ShapeType | string;
  readonly members?: readonly MemberData[];
}

export interface PaginatorData {
  readonly input_token: string;
  readonly output_token: string;
  readonly limit_key?: string;
  readonly result_key: string;
}

export interface OperationData {
  readonly name: string;
  readonly cliName: string;
  readonly input?: string;
  readonly output?: string;
  readonly resultWrapper?: string | null;
  readonly paginator?: PaginatorData;
  /** REST-JSON: the HTTP binding, the newer model's (`{Label}`s name input members bound to the path). */
  readonly http?: HttpBinding;
  /** REST-JSON: where AWS CLI 2.9.19 sends the operation when that differs from `http` (the server routes both). */
  readonly cliHttp?: HttpBinding;
  /** REST-JSON: the modelled errors (the server's). */
  readonly errors?: readonly string[];
  /** `false`: AWS CLI 2.9.19's model has no such operation. */
  readonly cli?: false;
}

export interface WaiterAcceptorData {
  readonly expected: unknown;
  readonly matcher: string;
  readonly state: string;
  readonly argument?: string;
}

export interface WaiterData {
  readonly delay: number;
  readonly operation: string;
  readonly maxAttempts: number;
  readonly acceptors: readonly WaiterAcceptorData[];
}

export interface ServiceModelData {
  readonly metadata: {
    readonly apiVersion: string;
    readonly endpointPrefix: string;
    readonly signingName: string;
    readonly xmlNamespace: string;
    readonly serviceId: string;
    readonly protocol: string;
  };
  readonly operations: readonly OperationData[];
  readonly shapes: Readonly<Record<string, ShapeData>>;
  readonly waiters: Readonly<Record<string, WaiterData>>;
  /**
   * SES v1: the deprecated operations the server answers (for SDKs and boto3) but `aws ses` removes
   * (awscli's customizations/removals.py), kept apart so that the command line never offers them.
   */
  readonly serverOnlyOperations?: readonly OperationData[];
  /** Every `aws ses` (or `aws sesv2`) command name, in model order (for the "Invalid choice" list). */
  readonly commandNames: readonly string[];
  /** REST-JSON: the HTTP status of each modelled error (the server's). */
  readonly errorStatus?: Readonly<Record<string, number>>;
}

/** Documentation for help pages, kept apart from the model so that only help loads it. */
export interface ServiceDocsData {
  /** Per operation: its documentation (plain paragraphs) and the AWS CLI's example text (reST). */
  readonly operations: Readonly<Record<string, { readonly doc: string; readonly examples: string | null }>>;
  /** Per `Shape.Member`: the member's documentation as plain paragraphs. */
  readonly members: Readonly<Record<string, string>>;
}
