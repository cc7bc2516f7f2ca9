/**
 * SES's mailbox simulator: five addresses at `simulator.amazonses.com`, each with a defined outcome.
 * SES accepts them as recipients even in the sandbox, does not count them against the daily quota
 * (they do count against the sending rate), and never delivers anywhere. Labels are allowed
 * (`bounce+label1@simulator.amazonses.com`), as SES documents for testing VERP.
 */

export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';

export type SimulatorScenario = 'success' | 'bounce' | 'ooto' | 'complaint' | 'suppressionlist';

/**
 * What SES reports for a simulator recipient, in the terms of its event notifications (Delivery,
 * Bounce, Complaint; bounce type and sub-type, the DSN status and diagnostic code).
 */
export interface SimulatedOutcome {
  readonly recipient: string;
  readonly scenario: SimulatorScenario;
  readonly eventType: 'Delivery' | 'Bounce' | 'Complaint';
  readonly bounceType?: 'Permanent';
  readonly bounceSubType?: 'General' | 'Suppressed';
  readonly status?: string;
  readonly diagnosticCode?: string;
  readonly complaintFeedbackType?: 'abuse';
  /** ooto: the recipient's provider answers with an automatic reply (RFC 3834) to the Return-Path or MAIL FROM. */
  readonly autoResponse?: boolean;
}

const SCENARIOS: Readonly<Record<SimulatorScenario, Omit<SimulatedOutcome, 'recipient' | 'scenario'>>> = {
  // "The recipient's email provider accepts your email."
  success: { eventType: 'Delivery' },
  // "rejects your email with an SMTP 550 5.1.1 ("Unknown User") response code"; not added to the suppression list.
  bounce: { eventType: 'Bounce', bounceType: 'Permanent', bounceSubType: 'General', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
  // Delivered, and the provider sends an out-of-the-office reply.
  ooto: { eventType: 'Delivery', autoResponse: true },
  // Delivered, and the recipient marks it as spam (an RFC 5965 feedback report).
  complaint: { eventType: 'Complaint', complaintFeedbackType: 'abuse' },
  // "Amazon SES generates a hard bounce as if the recipient's address is on the suppression list."
  suppressionlist: {
    eventType: 'Bounce',
    bounceType: 'Permanent',
    bounceSubType: 'Suppressed',
    status: '5.1.1',
    diagnosticCode: 'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.',
  },
};

/** The scenario of a (normalized) recipient address, or null when it is not a simulator address. */
export function simulatorScenario(address: string): SimulatorScenario | null {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== SIMULATOR_DOMAIN) return null;
  const local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  const base = plus < 0 ? local : local.slice(0, plus);
  return Object.hasOwn(SCENARIOS, base) ? (base as SimulatorScenario) : null;
}

/** The outcomes of a message's simulator recipients, in recipient order; ordinary recipients are left out. */
export function simulatedOutcomes(recipients: readonly string[]): SimulatedOutcome[] {
  const out: SimulatedOutcome[] = [];
  for (const recipient of recipients) {
    const scenario = simulatorScenario(recipient);
    if (scenario !== null) out.push({ recipient, scenario, ...SCENARIOS[scenario] });
  }
  return out;
}
