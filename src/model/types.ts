/**
 * The schema of shapes and members in the generated service models (src/model/generate-ses-model.py):
 * one description for SES v1 and v2, read by the command line (src/cli) and the server (src/api).
 * service-types.ts builds the whole model on it. SES v2's model is the union of two botocore models:
 * the newer one the server follows, and AWS CLI 2.9.19's, which the command line must match byte for
 * byte; what 2.9.19 lacks or says otherwise is marked here (`cli`), and cli-view.ts turns the union
 * into the command line's view.
 */

export interface MemberData {
  readonly name: string;
  readonly shape: string;
  /** Where the member travels in a REST request; absent for the JSON body (and in Query models). */
  readonly location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  readonly locationName?: string;
  /** The first sentence of the member's documentation. */
  readonly overview?: string;
  /** `false`: AWS CLI 2.9.19's model has no such member (the CLI drops it from responses, rejects it as a parameter). */
  readonly cli?: false;
}

/**
 * A shape's own facts as AWS CLI 2.9.19's model has them, where they differ from the newer model's
 * (null: 2.9.19 has none). The server validates by the newer facts, the command line by these.
 */
export interface CliShapeFacts {
  readonly enum?: readonly string[] | null;
  readonly min?: number | null;
  readonly required?: readonly string[] | null;
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
  /** The server's constraints (the command line's botocore checks only `min`). */
  readonly max?: number;
  /** A Java regular expression that must match the whole value. */
  readonly pattern?: string;
  /** `false`: AWS CLI 2.9.19's model has no such shape; an object: its facts where they differ. */
  readonly cli?: false | CliShapeFacts;
}

/** An operation's HTTP binding: `/v2/email/identities/{EmailIdentity}`, labels naming input members bound to the path. */
export interface HttpBinding {
  readonly method: string;
  readonly requestUri: string;
}
