/** One `Content` of SendEmail (SES's Content type): the text and, optionally, the charset it is to be sent in. */
export interface Content {
  readonly data: string;
  readonly charset: string | undefined;
}

/** What SendEmail's MIME message is built from (SES's Message, Destination and Source). */
export interface ComposeInput {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly replyTo: readonly string[];
  readonly subject: Content;
  readonly text: Content | null;
  readonly html: Content | null;
  readonly date: Date;
  readonly messageIdHeader: string;
}
