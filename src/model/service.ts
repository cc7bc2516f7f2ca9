import type { MemberData, OperationData, ServiceModelData, ShapeData } from './service-types.ts';

/** botocore's xform_name(name, '-'): `DkimEnabled` -> `dkim-enabled`. */
export function xformName(name: string, sep = '-'): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, `$1${sep}$2`)
    .replace(/([a-z0-9])([A-Z])/g, `$1${sep}$2`)
    .toLowerCase();
}

/** Lookups over the declarative model. */
export class ServiceModel {
  private readonly byCliName = new Map<string, OperationData>();
  private readonly byName = new Map<string, OperationData>();

  constructor(readonly data: ServiceModelData) {
    for (const op of data.operations) {
      this.byCliName.set(op.cliName, op);
      this.byName.set(op.name, op);
    }
  }

  shape(name: string): ShapeData {
    const s = this.data.shapes[name];
    if (!s) throw new Error(`unknown shape ${name}`);
    return s;
  }

  members(shapeName: string): readonly MemberData[] {
    return this.shape(shapeName).members ?? [];
  }

  operationByCliName(cliName: string): OperationData | undefined {
    return this.byCliName.get(cliName);
  }

  operation(name: string): OperationData {
    const op = this.byName.get(name);
    if (!op) throw new Error(`unknown operation ${name}`);
    return op;
  }
}
