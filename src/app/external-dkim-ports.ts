import type { DkimSigningMethod, ExternalKeyVerdict, Scope, VerificationStatus } from '../core/index.ts';

/** A domain's Bring-Your-Own-DKIM key as stored (issue 16 item 4). The private key stays sealed. */
export interface StoredExternalKey {
  readonly identityId: number;
  readonly scope: Scope;
  readonly domain: string;
  readonly selector: string;
  /** Base64 SPKI DER: what the customer's `p=` must hold, and the AAD the private key is sealed under. */
  readonly publicKey: string;
  readonly sealedPrivateKey: string;
  readonly bits: number;
  /** The key's own detection status: Pending until the selector's TXT holds its public half. */
  readonly status: VerificationStatus;
  /** The last check's verdict and what DNS answered (null before the first check). */
  readonly verdict: ExternalKeyVerdict | null;
  readonly observed: string | null;
  readonly createdAt: number;
  readonly checkedAt: number | null;
  /** Since when DNS has not served the key right (its creation, or the first miss after a Success); null while Success. */
  readonly unverifiedSince: number | null;
}

/** A key the customer gave, already validated and sealed. */
export interface NewExternalKey {
  readonly selector: string;
  readonly publicKey: string;
  readonly sealedPrivateKey: string;
  readonly bits: number;
}

/**
 * Persistence of BYODKIM keys and of the method the customer chose (SigningAttributesOrigin). One key
 * per domain; a new one replaces it (SES: rotate by giving a new selector and key). The Easy DKIM
 * tokens and keys are not touched: they keep signing until the external key reaches Success.
 */
export interface ExternalDkimStore {
  /** Stores (or replaces) the domain's external key as Pending and makes EXTERNAL the chosen method. False if the domain is unknown. */
  putExternalKey(scope: Scope, domain: string, key: NewExternalKey, now: number): Promise<boolean>;
  /** Records the chosen method; AWS_SES keeps the external key (it signs until Easy DKIM is verified again). */
  chooseMethod(scope: Scope, domain: string, method: DkimSigningMethod): Promise<void>;
  /** The chosen method: EXTERNAL only while an external key exists and was chosen last. */
  chosenMethod(scope: Scope, domain: string): Promise<DkimSigningMethod>;
  externalKeyOf(scope: Scope, domain: string): Promise<StoredExternalKey | null>;
  /** Writes one check's outcome, unless the key was replaced since (its public key changed): false then. */
  recordExternalCheck(
    identityId: number,
    publicKey: string,
    check: { status: VerificationStatus; verdict: ExternalKeyVerdict; observed: string; unverifiedSince: number | null },
    now: number,
  ): Promise<boolean>;
  /** External keys neither Success nor Failed whose last check is older than `checkedBefore`, oldest first. */
  pendingExternalKeys(checkedBefore: number, limit: number): Promise<StoredExternalKey[]>;
}
