import type { BehaviorOnMxFailure, Scope, VerificationStatus, IdentityKind } from '../../core/index.ts';
import {
  createEmailIdentity,
  deleteEmailIdentity,
  getEmailIdentity,
  putEmailIdentityDkimAttributes,
  putEmailIdentityDkimSigningAttributes,
  putEmailIdentityMailFromAttributes,
} from '../../app/email-identities.ts';
import type { EmailIdentityContext, EmailIdentityView } from '../../app/email-identity-view.ts';
import { getAccount } from '../../app/get-account.ts';
import { deleteIdentityPolicy, getIdentityPolicies, putIdentityPolicy } from '../../app/identity-policies.ts';
import { listEmailIdentities, MAX_PAGE_SIZE, type EmailIdentityFilter } from '../../app/list-email-identities.ts';
import { sendEmailV2 } from '../../app/send-email-v2.ts';
import type { SesV2OperationName } from './router.ts';
import { badRequest, validationError } from './errors.ts';
import { checkInteger, type JsonInput } from './json-input.ts';

/** What an operation is handed: the decoded path label, the query and the JSON body. */
export interface SesV2Input {
  readonly identity: string | undefined;
  /** Every path label by member name (`EmailIdentity`, `PolicyName`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly query: ReadonlyMap<string, string>;
  readonly body: JsonInput;
}

export interface SesV2Options {
  /** The zone the customers' CNAMEs point into (GetEmailIdentity's SigningHostedZone); omitted when unknown. */
  readonly signingHostedZone?: string | undefined;
}

export type JsonObject = { [key: string]: unknown };

export interface SesV2Operation {
  /** The identity operations share v1's limiter (SES: one call per second per account by default). */
  readonly throttled: boolean;
  run(ctx: EmailIdentityContext, scope: Scope, input: SesV2Input, options: SesV2Options): Promise<JsonObject>;
}

const V2_STATUS: Record<VerificationStatus, string> = {
  Pending: 'PENDING',
  Success: 'SUCCESS',
  Failed: 'FAILED',
  TemporaryFailure: 'TEMPORARY_FAILURE',
  NotStarted: 'NOT_STARTED',
};
const STATUS_OF_V2 = new Map(Object.entries(V2_STATUS).map(([v1, v2]) => [v2, v1 as VerificationStatus]));
const V2_KIND: Record<IdentityKind, string> = { Domain: 'DOMAIN', EmailAddress: 'EMAIL_ADDRESS' };

/** Epoch seconds, as rest-json's default timestamp format wants (the JS SDK refuses ISO strings). */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function keyLength(bits: number): string {
  return `RSA_${bits}_BIT`;
}

/** Absent members are left out (JSON.stringify drops undefined), never sent as null. */
function dkimAttributes(view: EmailIdentityView, options: SesV2Options): JsonObject {
  const d = view.dkim;
  return {
    SigningEnabled: d.signingEnabled,
    Status: V2_STATUS[d.status],
    Tokens: d.tokens === null ? undefined : [...d.tokens],
    // BYODKIM's record is in the customer's zone, not ours.
    SigningHostedZone: d.tokens === null || d.origin === 'EXTERNAL' ? undefined : options.signingHostedZone,
    SigningAttributesOrigin: d.origin,
    NextSigningKeyLength: keyLength(d.nextKeyBits),
    CurrentSigningKeyLength: d.currentKeyBits === null ? undefined : keyLength(d.currentKeyBits),
    LastKeyGenerationTimestamp: d.lastKeyGenerationAt === null ? undefined : seconds(d.lastKeyGenerationAt),
  };
}

const V2_BEHAVIOR: Record<BehaviorOnMxFailure, string> = { UseDefaultValue: 'USE_DEFAULT_VALUE', RejectMessage: 'REJECT_MESSAGE' };
const BEHAVIOR_OF_V2 = new Map(Object.entries(V2_BEHAVIOR).map(([v1, v2]) => [v2, v1 as BehaviorOnMxFailure]));

/** As real SES answers without a custom MAIL FROM domain: only the behaviour (the "required" members omitted). */
function mailFromAttributes(view: EmailIdentityView): JsonObject {
  const m = view.mailFrom;
  if (m === null || m.mailFromDomain === null) return { BehaviorOnMxFailure: V2_BEHAVIOR[m?.behaviorOnMxFailure ?? 'UseDefaultValue'] };
  return { MailFromDomain: m.mailFromDomain, MailFromDomainStatus: V2_STATUS[m.status], BehaviorOnMxFailure: V2_BEHAVIOR[m.behaviorOnMxFailure] };
}

function identityPath(input: SesV2Input): string {
  // The router only matches routes with a non-empty label; this is for the type checker.
  if (input.identity === undefined) throw badRequest('The email identity is missing from the path.');
  checkIdentityLength(input.identity, 'emailIdentity');
  return input.identity;
}

function checkIdentityLength(identity: string, where: string): void {
  // SES's names are bounded by what DNS and SMTP allow; 320 covers any address (64 + 1 + 255).
  if (identity.length > 320) {
    throw validationError(`Value at '${where}'`, 'Member must have length less than or equal to 320');
  }
}

function tagsOf(body: JsonInput): { key: string; value: string }[] {
  return body.objects('Tags', 50).map((t) => ({
    key: t.string('Key', { required: true, min: 1, max: 128 }),
    value: t.string('Value', { required: true, max: 256 }),
  }));
}

const createEmailIdentityOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, { body }, options) {
    const identity = body.string('EmailIdentity', { required: true, min: 1 });
    checkIdentityLength(identity, 'emailIdentity');
    const tags = tagsOf(body);
    const configurationSetName = body.string('ConfigurationSetName', { min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ }) ?? null;
    const dkim = body.object('DkimSigningAttributes');
    let keyBits: number | null = null;
    let external: { selector: string | undefined; privateKey: string | undefined } | undefined;
    if (dkim !== undefined) {
      const selector = dkim.string('DomainSigningSelector');
      const privateKey = dkim.string('DomainSigningPrivateKey');
      const length = dkim.string('NextSigningKeyLength');
      const origin = dkim.string('DomainSigningAttributesOrigin');
      // SES: with a selector and a private key the identity uses BYODKIM (checked in the use case).
      if (selector !== undefined || privateKey !== undefined) external = { selector, privateKey };
      if (origin !== undefined && origin !== 'AWS_SES') {
        throw badRequest(`DomainSigningAttributesOrigin ${origin} (Deterministic Easy DKIM replicas) is not supported by this server.`);
      }
      if (length !== undefined) keyBits = length === 'RSA_1024_BIT' ? 1024 : 2048;
    }
    const view = await createEmailIdentity(ctx, scope, {
      identity,
      tags,
      configurationSetName,
      keyBits,
      dkimSigningAttributes: dkim !== undefined,
      ...(external ? { external } : {}),
    });
    return {
      IdentityType: V2_KIND[view.kind],
      VerifiedForSendingStatus: view.verifiedForSending,
      // SES: "If the email identity is an email address, this object is empty" (and real SES omits it).
      DkimAttributes: view.kind === 'Domain' ? dkimAttributes(view, options) : undefined,
    };
  },
};

const getEmailIdentityOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input, options) {
    const view = await getEmailIdentity(ctx, scope, identityPath(input));
    // The owner's settings, kept for v1 and v2 alike: SetIdentityFeedbackForwardingEnabled and the policies.
    const [notifications, policies] = await Promise.all([
      ctx.identitySettings.getNotifications(scope, [view.name]),
      ctx.identitySettings.getPolicies(scope, view.name, null),
    ]);
    const v = view.verification;
    return {
      IdentityType: V2_KIND[view.kind],
      FeedbackForwardingStatus: notifications.get(view.name)?.forwardingEnabled ?? true,
      VerifiedForSendingStatus: view.verifiedForSending,
      DkimAttributes: dkimAttributes(view, options),
      MailFromAttributes: mailFromAttributes(view),
      Policies: Object.fromEntries(policies),
      Tags: view.details.tags.map((t) => ({ Key: t.key, Value: t.value })),
      ConfigurationSetName: view.details.configurationSetName ?? undefined,
      VerificationStatus: V2_STATUS[view.verificationStatus],
      VerificationInfo:
        v === null
          ? {}
          : {
              LastCheckedTimestamp: v.lastCheckedAt === null ? undefined : seconds(v.lastCheckedAt),
              LastSuccessTimestamp: v.lastSuccessAt === null ? undefined : seconds(v.lastSuccessAt),
              ErrorType: v.problem === null ? undefined : v.problem.toUpperCase(),
            },
    };
  },
};

const FILTER_KEYS = ['IDENTITY_TYPE', 'IDENTITY_NAME_CONTAINS', 'VERIFICATION_STATUS'] as const;

/** The Filter map; null for a filter nothing in Signet can match (MANAGED_DOMAIN: Signet has none). */
function filterOf(map: ReadonlyMap<string, string>): EmailIdentityFilter | null {
  let matchesNothing = false;
  const filter: { nameContains?: string; kind?: IdentityKind; status?: VerificationStatus } = {};
  for (const [key, value] of map) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw validationError(`Value '${key.slice(0, 100)}' at 'filter' key`, `Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`);
    }
    if (key === 'IDENTITY_TYPE') {
      const kind = [...Object.entries(V2_KIND)].find(([, v2]) => v2 === value)?.[0] as IdentityKind | undefined;
      if (kind === undefined) {
        if (value !== 'MANAGED_DOMAIN') {
          throw validationError(
            `Value '${value.slice(0, 100)}' at 'filter.IDENTITY_TYPE'`,
            'Member must satisfy enum value set: [EMAIL_ADDRESS, DOMAIN, MANAGED_DOMAIN]',
          );
        }
        matchesNothing = true;
      } else filter.kind = kind;
    } else if (key === 'VERIFICATION_STATUS') {
      const status = STATUS_OF_V2.get(value);
      if (status === undefined) {
        throw validationError(
          `Value '${value.slice(0, 100)}' at 'filter.VERIFICATION_STATUS'`,
          `Member must satisfy enum value set: [${Object.values(V2_STATUS).join(', ')}]`,
        );
      }
      filter.status = status;
    } else {
      if (value.length > 320) throw validationError(`Value at 'filter.IDENTITY_NAME_CONTAINS'`, 'Member must have length less than or equal to 320');
      filter.nameContains = value;
    }
  }
  return matchesNothing ? null : filter;
}

const listEmailIdentitiesOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, { query, body }) {
    // GET form: PageSize and NextToken in the query; POST form (js-v3 >= 3.1144): in the body with Filter.
    let pageSize = body.integer('PageSize', 0, MAX_PAGE_SIZE);
    let nextToken = body.string('NextToken', { max: 4096 });
    const querySize = query.get('PageSize');
    if (querySize !== undefined) {
      if (!/^-?\d{1,10}$/.test(querySize)) throw badRequest(`Value '${querySize.slice(0, 40)}' at 'pageSize' must be an integer.`);
      pageSize = checkInteger(Number(querySize), `'pageSize'`, 0, MAX_PAGE_SIZE);
    }
    const queryToken = query.get('NextToken');
    if (queryToken !== undefined) nextToken = queryToken;
    const filter = filterOf(body.stringMap('Filter'));
    if (filter === null) return { EmailIdentities: [] };
    const page = await listEmailIdentities(ctx, scope, { pageSize, nextToken, filter });
    return {
      EmailIdentities: page.identities.map((i) => ({
        IdentityType: V2_KIND[i.kind],
        IdentityName: i.name,
        SendingEnabled: i.sendingEnabled,
        VerificationStatus: V2_STATUS[i.verificationStatus],
      })),
      NextToken: page.nextToken ?? undefined,
    };
  },
};

const deleteEmailIdentityOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input) {
    await deleteEmailIdentity(ctx, scope, identityPath(input));
    return {};
  },
};

const putDkimAttributesOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input) {
    // The CLI sends {} when neither --signing-enabled nor --no-signing-enabled is given; the member's
    // Java default, false, is what SES applies then.
    const enabled = input.body.boolean('SigningEnabled') ?? false;
    await putEmailIdentityDkimAttributes(ctx, scope, identityPath(input), enabled);
    return {};
  },
};

// The service model has checked the members (required origin, enums, selector and key patterns).
const putDkimSigningAttributesOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input, options) {
    const origin = input.body.string('SigningAttributesOrigin', { required: true });
    const attributes = input.body.object('SigningAttributes');
    if (origin !== 'AWS_SES' && origin !== 'EXTERNAL') {
      // SES: "For PutEmailIdentityDkimSigningAttributes: None of the values are allowed" (the DEED regions).
      throw badRequest(`SigningAttributesOrigin ${origin} is not allowed here; use AWS_SES or EXTERNAL.`);
    }
    const length = attributes?.string('NextSigningKeyLength');
    const view = await putEmailIdentityDkimSigningAttributes(ctx, scope, identityPath(input), {
      origin,
      nextKeyBits: length === undefined ? null : length === 'RSA_1024_BIT' ? 1024 : 2048,
      selector: attributes?.string('DomainSigningSelector'),
      privateKey: attributes?.string('DomainSigningPrivateKey'),
    });
    return {
      DkimStatus: V2_STATUS[view.dkim.status],
      DkimTokens: view.dkim.tokens === null ? undefined : [...view.dkim.tokens],
      SigningHostedZone: view.dkim.tokens === null || view.dkim.origin === 'EXTERNAL' ? undefined : options.signingHostedZone,
    };
  },
};

const putMailFromAttributesOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input) {
    // The model has checked the enum; absent members mean: no custom domain, USE_DEFAULT_VALUE.
    const mailFromDomain = input.body.string('MailFromDomain', { max: 255 });
    const behavior = input.body.string('BehaviorOnMxFailure');
    await putEmailIdentityMailFromAttributes(
      ctx,
      scope,
      identityPath(input),
      mailFromDomain,
      behavior === undefined ? undefined : BEHAVIOR_OF_V2.get(behavior),
    );
    return {};
  },
};

function contentOf(c: JsonInput | undefined): { data: string; charset: string | undefined } | null {
  if (c === undefined) return null;
  return { data: c.string('Data', { required: true }), charset: c.string('Charset') };
}

const ADDRESS_LIST_MAX = 50;

const sendEmailOp: SesV2Operation = {
  throttled: false,
  async run(ctx, scope, { body }) {
    const from = body.string('FromEmailAddress', { max: 320 });
    const fromArn = body.string('FromEmailAddressIdentityArn', { min: 1, max: 2048 });
    const destination = body.object('Destination');
    const to = destination?.strings('ToAddresses', ADDRESS_LIST_MAX) ?? [];
    const cc = destination?.strings('CcAddresses', ADDRESS_LIST_MAX) ?? [];
    const bcc = destination?.strings('BccAddresses', ADDRESS_LIST_MAX) ?? [];
    const replyTo = body.strings('ReplyToAddresses', ADDRESS_LIST_MAX);
    body.string('FeedbackForwardingEmailAddress', { max: 320 });
    const tags = body.objects('EmailTags', 50).map((t) => ({
      name: t.string('Name', { required: true, min: 1, max: 256 }),
      value: t.string('Value', { required: true, min: 1, max: 256 }),
    }));
    const configurationSetName = body.string('ConfigurationSetName', { min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
    const content = body.object('Content', true);
    const simple = content.object('Simple');
    const raw = content.object('Raw');
    const template = content.object('Template');
    if ([simple, raw, template].filter((c) => c !== undefined).length !== 1) {
      throw badRequest('Exactly one of Simple, Raw or Template must be specified in Content.');
    }
    if (to.length + cc.length + bcc.length > 50) throw badRequest('Recipient count exceeds 50.');
    const common = { scope, fromArn, configurationSetName, tags, replyTo, to, cc, bcc, hasDestination: destination !== undefined };
    let messageId: string;
    if (simple !== undefined) {
      const subject = contentOf(simple.object('Subject', true))!;
      const mailBody = simple.object('Body', true);
      const text = contentOf(mailBody.object('Text'));
      const html = contentOf(mailBody.object('Html'));
      if (simple.has('Headers') || simple.has('Attachments')) {
        throw badRequest('Simple content with Headers or Attachments is not supported by this server yet; send a Raw message instead.');
      }
      if (from === undefined) throw badRequest('Missing required parameter FromEmailAddress for Simple content.');
      messageId = await sendEmailV2(ctx, { ...common, kind: 'simple', from, subject, text, html });
    } else if (raw !== undefined) {
      const data = raw.string('Data', { required: true, min: 1 });
      // Blobs are base64 on the wire (botocore and js-v3 encode them once).
      if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(data)) throw badRequest('Invalid base64 in Content.Raw.Data.');
      messageId = await sendEmailV2(ctx, { ...common, kind: 'raw', from, raw: Buffer.from(data, 'base64') });
    } else {
      const t = template!;
      const name = t.string('TemplateName', { min: 1 });
      const arn = t.string('TemplateArn', { min: 1 });
      t.string('TemplateData', { max: 262144 });
      const inline = t.object('TemplateContent');
      if (name === undefined && arn === undefined && inline === undefined) {
        throw badRequest('Template content requires TemplateName, TemplateArn or TemplateContent.');
      }
      messageId = await sendEmailV2(ctx, { ...common, kind: 'template', from, templateName: name ?? arn ?? null });
    }
    return { MessageId: messageId };
  },
};

const getAccountOp: SesV2Operation = {
  throttled: false,
  async run(ctx, scope) {
    const account = await getAccount(ctx, scope);
    return {
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: account.enforcement,
      ProductionAccessEnabled: account.productionAccess,
      SendQuota: {
        Max24HourSend: account.quota.max24HourSend,
        MaxSendRate: account.quota.maxSendRate,
        SentLast24Hours: account.quota.sentLast24Hours,
      },
      SendingEnabled: account.sendingEnabled,
      SuppressionAttributes: { SuppressedReasons: [] },
    };
  },
};

function policyNameOf(input: SesV2Input): string {
  // The router only matches routes with a non-empty label; the model has checked its length.
  const name = input.labels['PolicyName'];
  if (name === undefined) throw badRequest('The policy name is missing from the path.');
  return name;
}

/** Create (AlreadyExists for a name in use) and Update (replaces, or adds when absent, as SES documents). */
function putPolicyOp(write: 'create' | 'upsert'): SesV2Operation {
  return {
    throttled: true,
    async run(ctx, scope, input) {
      const policy = input.body.string('Policy', { required: true, min: 1 });
      await putIdentityPolicy(ctx, scope, { identity: identityPath(input), policyName: policyNameOf(input), policy, write, api: 'v2' });
      return {};
    },
  };
}

const getPoliciesOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input) {
    const policies = await getIdentityPolicies(ctx, scope, { identity: identityPath(input), policyNames: null, api: 'v2' });
    return { Policies: Object.fromEntries(policies) };
  },
};

const deletePolicyOp: SesV2Operation = {
  throttled: true,
  async run(ctx, scope, input) {
    await deleteIdentityPolicy(ctx, scope, { identity: identityPath(input), policyName: policyNameOf(input), api: 'v2' });
    return {};
  },
};

export const SES_V2_OPERATIONS: Record<SesV2OperationName, SesV2Operation> = {
  CreateEmailIdentity: createEmailIdentityOp,
  GetEmailIdentity: getEmailIdentityOp,
  ListEmailIdentities: listEmailIdentitiesOp,
  DeleteEmailIdentity: deleteEmailIdentityOp,
  PutEmailIdentityDkimAttributes: putDkimAttributesOp,
  PutEmailIdentityDkimSigningAttributes: putDkimSigningAttributesOp,
  PutEmailIdentityMailFromAttributes: putMailFromAttributesOp,
  SendEmail: sendEmailOp,
  GetAccount: getAccountOp,
  CreateEmailIdentityPolicy: putPolicyOp('create'),
  GetEmailIdentityPolicies: getPoliciesOp,
  UpdateEmailIdentityPolicy: putPolicyOp('upsert'),
  DeleteEmailIdentityPolicy: deletePolicyOp,
};
