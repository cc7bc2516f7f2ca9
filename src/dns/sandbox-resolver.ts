import type { Resolver, SandboxStore } from '../app/detection-ports.ts';

/**
 * Dev mode: the sandbox zone in front of the real resolver. A name published in the sandbox is
 * answered from it (a name with records of another type is NODATA); any other name goes to `next`.
 */
export function createSandboxResolver(sandbox: SandboxStore, next: Resolver): Resolver {
  const ask = async (name: string, type: 'CNAME' | 'TXT' | 'MX', fallback: () => ReturnType<Resolver['cname']>) => {
    const found = await sandbox.lookup(name, type);
    if (!found.exists) return fallback();
    return found.values.length > 0 ? { ok: true as const, values: found.values } : { ok: false as const, error: 'NODATA' as const };
  };
  return {
    cname: (name) => ask(name, 'CNAME', () => next.cname(name)),
    txt: (name) => ask(name, 'TXT', () => next.txt(name)),
    mx: (name) => ask(name, 'MX', () => next.mx(name)),
  };
}
