import { DomainError, parseIdentityName, type BehaviorOnMxFailure, type Scope } from '../core/index.ts';
import type { IdentityTag } from './email-identity-ports.ts';
import { readEmailIdentity, type EmailIdentityContext, type EmailIdentityView } from './email-identity-view.ts';
import { sendVerificationEmail } from './send-verification-email.ts';
import { setIdentityDkimEnabled } from './set-identity-dkim-enabled.ts';
import { setIdentityMailFromDomain } from './set-identity-mail-from-domain.ts';
import { verifyDomainDkim } from './verify-domain-dkim.ts';
import { verifyEmailIdentity } from './verify-email-identity.ts';
import { setNextSigningKeyLength } from './key-ring.ts';
import { prepareExternalKey, setExternalSigningKey } from './external-dkim.ts';

export interface CreateEmailIdentityInput {
  readonly identity: string;
  readonly tags: readonly IdentityTag[];
  readonly configurationSetName: string | null;
  /** DkimSigningAttributes.NextSigningKeyLength, in bits; null for the server's size. */
  readonly keyBits: number | null;
  /** Whether DkimSigningAttributes was given at all (only domains may carry it). */
  readonly dkimSigningAttributes: boolean;
  /** DkimSigningAttributes' DomainSigningSelector and DomainSigningPrivateKey (BYODKIM), if given. */
  readonly external?: { readonly selector: string | undefined; readonly privateKey: string | undefined };
}

function notFound(input: string): DomainError {
  return new DomainError('identity_not_found', `Email identity ${input} does not exist.`);
}

/**
 * CreateEmailIdentity (SES v2). A domain gets its three Easy DKIM tokens exactly as VerifyDomainDkim
 * makes them (the same call), an address the verification mail VerifyEmailIdentity sends. Unlike the
 * v1 calls it refuses an identity the account already has (AlreadyExistsException, "already exist.").
 * Two Creates racing for one new name may both succeed; both then answer the same tokens, since
 * VerifyDomainDkim's transaction makes them once.
 */
export async function createEmailIdentity(ctx: EmailIdentityContext, scope: Scope, input: CreateEmailIdentityInput): Promise<EmailIdentityView> {
  const id = parseIdentityName(input.identity, ctx.toAscii);
  if (id.kind === 'EmailAddress' && input.dkimSigningAttributes) {
    throw new DomainError('invalid_parameter', 'DkimSigningAttributes can only be specified for a domain identity.');
  }
  const existing = await ctx.store.getIdentities(scope, [id.name]);
  if (existing.has(id.name)) {
    throw new DomainError('identity_already_exists', `Email identity ${input.identity} already exist.`);
  }
  // The key is checked before anything is written: a refused key leaves no identity behind.
  const external = id.kind === 'Domain' && input.external ? prepareExternalKey(ctx.externalDkim, input.external.selector, input.external.privateKey) : null;
  if (id.kind === 'Domain') {
    await verifyDomainDkim(ctx, scope, id.name);
    // Another length than the pool's (--key-bits): the ring makes the next key at that length and
    // switches to it once DNS has served it for a TTL (the first keys come ready-made from the pool).
    if (input.keyBits !== null && input.keyBits !== ctx.keys.bits) await setNextKeyLength(ctx, scope, id.name, input.keyBits);
    // SES: with a selector and a private key the domain uses BYODKIM. Signet still makes the Easy DKIM
    // tokens (not shown while EXTERNAL is chosen), so that switching to Easy DKIM later needs no new keys.
    if (external !== null) await ctx.externalDkim?.store.putExternalKey(scope, id.name, external, ctx.clock.now());
  } else {
    await verifyEmailIdentity(ctx, scope, id.name);
    if (ctx.send) await sendVerificationEmail(ctx, scope, id.name);
  }
  if (input.tags.length > 0 || input.configurationSetName !== null) {
    await ctx.identities.putDetails(scope, id.name, { tags: input.tags, configurationSetName: input.configurationSetName });
  }
  const view = await readEmailIdentity(ctx, scope, id.name);
  if (view === null) throw notFound(input.identity); // deleted by someone else meanwhile
  return view;
}

/** GetEmailIdentity: NotFound for an identity the account does not have. */
export async function getEmailIdentity(ctx: EmailIdentityContext, scope: Scope, input: string): Promise<EmailIdentityView> {
  const view = await readEmailIdentity(ctx, scope, input);
  if (view === null) throw notFound(input);
  return view;
}

/** DeleteEmailIdentity: as v1 DeleteIdentity, but an unknown identity is NotFound (v1 shrugs). */
export async function deleteEmailIdentity(ctx: EmailIdentityContext, scope: Scope, input: string): Promise<void> {
  const id = parseIdentityName(input, ctx.toAscii);
  const deleted = await ctx.store.deleteIdentity(scope, id.name);
  if (!deleted) throw notFound(input);
  // The keys leave this process's DNS answers before the caller hears that the identity is gone.
  await ctx.zoneChanges?.keyZoneChanged();
}

/**
 * PutEmailIdentityDkimAttributes: v1's SetIdentityDkimEnabled under v2's rules. SES answers an
 * identity it does not know, or an address whose domain has no Easy DKIM, with BadRequestException
 * "Domain X is not verified for DKIM signing." rather than NotFound.
 */
export async function putEmailIdentityDkimAttributes(ctx: EmailIdentityContext, scope: Scope, input: string, signingEnabled: boolean): Promise<void> {
  const id = parseIdentityName(input, ctx.toAscii);
  const notSetUp = () => new DomainError('dkim_not_set_up', `Domain ${id.kind === 'Domain' ? input : id.domain} is not verified for DKIM signing.`);
  const known = await ctx.store.getIdentities(scope, [id.name]);
  if (!known.has(id.name)) throw notSetUp();
  try {
    await setIdentityDkimEnabled(ctx, scope, id.name, signingEnabled);
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'dkim_not_set_up' || err.code === 'identity_not_found')) throw notSetUp();
    throw err;
  }
}

async function setNextKeyLength(ctx: EmailIdentityContext, scope: Scope, domain: string, bits: number): Promise<void> {
  if (!ctx.keyRings) throw new DomainError('not_supported', 'Key length changes are not available in this composition.');
  await setNextSigningKeyLength(ctx.keyRings, scope, domain, bits);
}

/** What PutEmailIdentityDkimSigningAttributes asks for. */
export interface DkimSigningAttributesInput {
  readonly origin: 'AWS_SES' | 'EXTERNAL';
  /** NextSigningKeyLength in bits (AWS_SES); null to leave it. */
  readonly nextKeyBits: number | null;
  /** EXTERNAL: DomainSigningSelector and DomainSigningPrivateKey (base64 DER). */
  readonly selector?: string;
  readonly privateKey?: string;
}

/**
 * PutEmailIdentityDkimSigningAttributes (AWS_SES): none -> Easy DKIM sets the domain's tokens up (as
 * VerifyDomainDkim), and NextSigningKeyLength changes the next key's length under SES's rules
 * (core/key-ring.ts): the key ring generates it behind the same tokens and makes it sign once DNS has
 * served it for a TTL. SES answers DkimStatus and DkimTokens. Bring Your Own DKIM (EXTERNAL) is not
 * supported yet.
 */
export async function putEmailIdentityDkimSigningAttributes(
  ctx: EmailIdentityContext,
  scope: Scope,
  input: string,
  attributes: DkimSigningAttributesInput,
): Promise<EmailIdentityView> {
  const id = parseIdentityName(input, ctx.toAscii);
  const known = await ctx.store.getIdentities(scope, [id.name]);
  if (!known.has(id.name)) throw notFound(input);
  if (id.kind !== 'Domain') throw new DomainError('invalid_parameter', 'DkimSigningAttributes can only be specified for a domain identity.');
  if (attributes.origin === 'EXTERNAL') {
    // Easy DKIM's tokens and keys stay as they are: they sign until the external key reaches Success.
    await setExternalSigningKey(ctx.externalDkim, ctx.clock, scope, id.name, attributes.selector, attributes.privateKey);
  } else {
    // Back to (or first) Easy DKIM: the same tokens if the domain has them. The external key, if
    // verified, keeps signing until they are verified again (core signingMethod).
    await verifyDomainDkim(ctx, scope, id.name);
    await ctx.externalDkim?.store.chooseMethod(scope, id.name, 'AWS_SES');
    if (attributes.nextKeyBits !== null) await setNextKeyLength(ctx, scope, id.name, attributes.nextKeyBits);
  }
  const view = await readEmailIdentity(ctx, scope, id.name);
  if (view === null) throw notFound(input);
  return view;
}

/**
 * PutEmailIdentityMailFromAttributes: v1's SetIdentityMailFromDomain on the same row, under v2's
 * rules: an identity the account does not have is a BadRequestException (as floci found SES
 * answering), not the model's NotFound; the rest (subdomain rule, detection) is v1's.
 */
export async function putEmailIdentityMailFromAttributes(
  ctx: EmailIdentityContext,
  scope: Scope,
  input: string,
  mailFromDomain: string | undefined,
  behaviorOnMxFailure: BehaviorOnMxFailure | undefined,
): Promise<void> {
  try {
    await setIdentityMailFromDomain(ctx, scope, { identity: input, mailFromDomain, behaviorOnMxFailure });
  } catch (err) {
    if (err instanceof DomainError && err.code === 'identity_not_found') throw new DomainError('invalid_identity', err.message);
    throw err;
  }
}
