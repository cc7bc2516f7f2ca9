import { expectedDkimCnames, normalizeDomain, type Scope, type ToAscii } from '../core/index.ts';
import { DomainError } from '../core/index.ts';
import type { SandboxRecord, SandboxStore } from './detection-ports.ts';
import type { Store } from './ports.ts';

export interface SandboxDeps {
  readonly store: Store;
  readonly sandbox: SandboxStore;
  readonly zone: string;
  readonly toAscii: ToAscii;
}

async function dkimCnamesOf(deps: SandboxDeps, scope: Scope, domainInput: string): Promise<SandboxRecord[]> {
  const domain = normalizeDomain(domainInput, deps.toAscii);
  const tokens = (await deps.store.getDkimTokens(scope, [domain])).get(domain);
  if (!tokens || tokens.length === 0) {
    throw new DomainError('dkim_not_set_up', `DKIM is not set up for ${domain}; call VerifyDomainDkim first.`);
  }
  return expectedDkimCnames(domain, tokens, deps.zone).map((r) => ({ name: r.name, type: 'CNAME', value: r.target }));
}

/** Dev mode: makes the domain's three CNAMEs exist for the detection resolver, as if the customer published them. */
export async function publishSandboxDkimRecords(deps: SandboxDeps, scope: Scope, domain: string): Promise<SandboxRecord[]> {
  const records = await dkimCnamesOf(deps, scope, domain);
  await deps.sandbox.publish(records);
  return records;
}

/** Dev mode: makes them vanish again. */
export async function unpublishSandboxDkimRecords(deps: SandboxDeps, scope: Scope, domain: string): Promise<SandboxRecord[]> {
  const records = await dkimCnamesOf(deps, scope, domain);
  await deps.sandbox.unpublish(records.map((r) => r.name));
  return records;
}
