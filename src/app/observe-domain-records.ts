import {
  domainVerificationName,
  expectedDkimCnames,
  judgeDkimRecord,
  verificationTxtOutcome,
  type DetectionOutcome,
  type DkimRecordJudgement,
  type DnsLookup,
  type ExpectedDkimCname,
} from '../core/index.ts';
import type { Resolver } from './detection-ports.ts';

export interface ObservedDkimRecord extends DkimRecordJudgement {
  readonly expected: ExpectedDkimCname;
}

export interface DomainObservation {
  readonly dkim: readonly ObservedDkimRecord[];
  /** The `_amazonses.DOMAIN` TXT lookup, when asked for. */
  readonly verificationTxt: { readonly lookup: DnsLookup; readonly outcome: DetectionOutcome } | null;
}

export interface ObserveOptions {
  /**
   * The doctor's extra lookups for a record that is not there (TXT at the name, the name with the
   * domain appended twice). The worker does not need them: they change the words, not the status.
   */
  readonly diagnose: boolean;
  /** Look up VerifyDomainIdentity's TXT too (only while the domain is not verified yet). */
  readonly verificationToken: string | null;
}

/** Asks DNS about a domain's three DKIM CNAMEs (and its verification TXT) at once and judges each. */
export async function observeDomainRecords(
  resolver: Resolver,
  domain: string,
  tokens: readonly string[],
  zone: string,
  options: ObserveOptions,
): Promise<DomainObservation> {
  const dkim = Promise.all(
    expectedDkimCnames(domain, tokens, zone).map(async (expected): Promise<ObservedDkimRecord> => {
      const cname = await resolver.cname(expected.name);
      const absent = !cname.ok && (cname.error === 'NXDOMAIN' || cname.error === 'NODATA');
      if (!options.diagnose || !absent) return { expected, ...judgeDkimRecord(expected, domain, { cname }) };
      const [txt, doubled] = await Promise.all([resolver.txt(expected.name), resolver.cname(`${expected.name}.${domain}`)]);
      return { expected, ...judgeDkimRecord(expected, domain, { cname, txt, doubled }) };
    }),
  );
  const token = options.verificationToken;
  const txt =
    token === null
      ? Promise.resolve(null)
      : resolver.txt(domainVerificationName(domain)).then((lookup) => ({ lookup, outcome: verificationTxtOutcome(lookup, token) }));
  const [dkimRecords, verificationTxt] = await Promise.all([dkim, txt]);
  return { dkim: dkimRecords, verificationTxt };
}
