import type { ToAscii } from '../core/index.ts';
import type { AutoVerifyPolicy } from './auto-verify.ts';
import type { MailFromStore } from './mail-from-ports.ts';
import type { IdentitySettingsStore } from './identity-settings-ports.ts';
import type { Clock, KeySupply, Random, Store } from './ports.ts';
import type { KeyRingDeps } from './key-ring.ts';
import type { ZoneChangeListener } from './zone-change-listener.ts';
import type { SendServices } from './send-ports.ts';
import type { ExternalDkimDeps } from './external-dkim.ts';

/** What every use case is given by the composition root. */
export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly keys: KeySupply;
  readonly toAscii: ToAscii;
  /** Custom MAIL FROM domains: set by SetIdentityMailFromDomain, read when sending. */
  readonly mailFrom: MailFromStore;
  /** Notification settings and sending authorization policies (both APIs). */
  readonly identitySettings: IdentitySettingsStore;
  /** Told when keys were created or deleted, so that this process's DNS answers change at once. */
  readonly zoneChanges?: ZoneChangeListener;
  /** Sending (SendEmail, SendRawEmail, address verification mail); absent where nothing is sent. */
  readonly send?: SendServices;
  /** The signing-key rings (issue 16): key length changes and rotations; absent where keys never change. */
  readonly keyRings?: KeyRingDeps;
  /** Dev mode's `--auto-verify`; absent: identities are verified as SES verifies them. */
  readonly autoVerify?: AutoVerifyPolicy;
  /** Bring Your Own DKIM (issue 16 item 4); absent where it is not offered. */
  readonly externalDkim?: ExternalDkimDeps;
}
