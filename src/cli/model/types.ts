/**
 * The declarative description of a service, as the generator extracts it from the botocore model:
 * everything the command line derives its arguments, skeletons, help, serializer and parser from.
 */

export type ShapeType = 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'double' | 'float' | 'boolean' | 'blob' | 'timestamp';

export interface MemberData {
  readonly name: string;
  readonly shape: string;
  /** First sentence of the member's documentation (awscli's get_shape_doc_overview). */
  readonly overview: string;
}

export interface ShapeData {
  readonly type: ShapeType | string;
  readonly members?: readonly MemberData[];
  readonly required?: readonly string[];
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
  readonly enum?: readonly string[];
  /** The model's `min`: a string's or list's length, a number's value (botocore's range_check). */
  readonly min?: number;
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
  };
  readonly operations: readonly OperationData[];
  readonly shapes: Readonly<Record<string, ShapeData>>;
  readonly waiters: Readonly<Record<string, WaiterData>>;
  /** Every `aws ses` command name, in model order (for the "Invalid choice" list). */
  readonly commandNames: readonly string[];
}

/** Documentation for help pages, kept apart from the model so that only help loads it. */
export interface ServiceDocsData {
  /** Per operation: its documentation (plain paragraphs) and the AWS CLI's example text (reST). */
  readonly operations: Readonly<Record<string, { readonly doc: string; readonly examples: string | null }>>;
  /** Per `Shape.Member`: the member's documentation as plain paragraphs. */
  readonly members: Readonly<Record<string, string>>;
}
