/**
 * A REST-JSON service as the generator extracts it from a botocore model: the HTTP binding of each
 * operation, and the shapes with the constraints the service validates (src/model/generate-*.py).
 */

export interface RestJsonMemberData {
  readonly name: string;
  readonly shape: string;
  /** Where the member travels; absent for the JSON body. */
  readonly location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  readonly locationName?: string;
}

export interface RestJsonShapeData {
  readonly type: string;
  readonly members?: readonly RestJsonMemberData[];
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

export interface RestJsonOperationData {
  readonly name: string;
  readonly method: string;
  /** `/v2/email/identities/{EmailIdentity}`: labels name the input members bound to the path. */
  readonly requestUri: string;
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
