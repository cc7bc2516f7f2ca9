/**
 * The schema of the service models generated from botocore's (src/model/generate-*.py for the
 * server's v2, generate-ses-model.py for SES v1 and the command line's v2): one description of shapes and
 * members for both. The server's REST-JSON model adds each operation's HTTP binding, modelled errors
 * and the constraints the service validates; the command line's adds, per service, what the AWS CLI
 * derives its arguments, skeletons and help from (service-types.ts extends these types). SES v1's model is the server's as well (src/api/query/).
 */

export interface MemberData {
  readonly name: string;
  readonly shape: string;
  /** Where the member travels in a REST request; absent for the JSON body (and in Query models). */
  readonly location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  readonly locationName?: string;
  /** The command line's models: the first sentence of the member's documentation. */
  readonly overview?: string;
}

export interface ShapeData {
  readonly type: string;
  readonly members?: readonly MemberData[];
  readonly required?: readonly string[];
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
  readonly enum?: readonly string[];
  /** Strings and blobs: length; lists and maps: entries; numbers: value. */
  readonly min?: number;
  readonly max?: number;
  /** A Java regular expression that must match the whole value. */
  readonly pattern?: string;
}

/** An operation's HTTP binding: `/v2/email/identities/{EmailIdentity}`, labels naming input members bound to the path. */
export interface HttpBinding {
  readonly method: string;
  readonly requestUri: string;
}

export type RestJsonMemberData = MemberData;
export type RestJsonShapeData = ShapeData;

export interface RestJsonOperationData extends HttpBinding {
  readonly name: string;
  readonly input?: string;
  readonly output?: string;
  readonly errors: readonly string[];
}

export interface RestJsonModelData {
  readonly metadata: {
    readonly apiVersion: string;
    readonly endpointPrefix: string;
    readonly signingName: string;
    readonly protocol: string;
    readonly serviceId: string;
  };
  readonly operations: readonly RestJsonOperationData[];
  readonly shapes: Readonly<Record<string, RestJsonShapeData>>;
  /** The HTTP status of each modelled error. */
  readonly errorStatus: Readonly<Record<string, number>>;
}
