import type { MemberData, OperationData, ServiceModelData, ShapeData } from './service-types.ts';
import type { CliShapeFacts } from './types.ts';

/**
 * The command line's view of a service model: exactly what AWS CLI 2.9.19's botocore model has. SES
 * v2's one model is the newer botocore's, which the server answers by, with 2.9.19's differences
 * marked (types.ts); the command line must behave as 2.9.19 does, which parses a response by its own
 * model (members it does not know are dropped, e.g. GetEmailIdentity's VerificationInfo), rejects
 * parameters and enum values it does not know, lists only its own commands, and sends each operation
 * to its own URI (PutEmailIdentityDkimSigningAttributes under /v1/). So the view leaves out what is
 * marked `cli: false`, takes 2.9.19's shape facts and HTTP binding where they differ, and drops what
 * only the server reads (max, pattern, errors, errorStatus). Pure: the model is not changed.
 *
 * It runs at every start of `signet ses`/`sesv2`, so what needs no change is shared, not copied: a
 * model without marks (SES v1's) comes back as it is, and so do the shapes and operations that
 * 2.9.19 has as they are (copying every shape cost about a millisecond of a cold start).
 */
export function cliView(model: ServiceModelData): ServiceModelData {
  let changed = model.errorStatus !== undefined;
  const shapes: Record<string, ShapeData> = {};
  for (const name of Object.keys(model.shapes)) {
    const shape = model.shapes[name]!;
    if (shape.cli === false) {
      changed = true;
      continue;
    }
    const view = cliShape(shape);
    if (view !== shape) changed = true;
    shapes[name] = view;
  }
  const operations = model.operations.filter((op) => op.cli !== false).map(cliOperation);
  if (!changed && operations.every((op, i) => op === model.operations[i])) return model;
  return {
    metadata: model.metadata,
    operations,
    shapes,
    waiters: model.waiters,
    commandNames: model.commandNames,
    ...(model.serverOnlyOperations === undefined ? {} : { serverOnlyOperations: model.serverOnlyOperations }),
  };
}

function cliOperation(op: OperationData): OperationData {
  if (op.cliHttp === undefined && op.errors === undefined && op.cli === undefined) return op;
  const { cli: _cli, cliHttp, errors: _errors, http, ...rest } = op;
  const binding = cliHttp ?? http;
  return binding === undefined ? rest : { ...rest, http: binding };
}

function cliMember(member: MemberData): MemberData {
  const { cli: _cli, ...rest } = member;
  return rest;
}

/** 2.9.19's value of one of a shape's facts: its own where marked (null: none), else the shared one. */
function fact<K extends keyof CliShapeFacts>(shape: ShapeData, facts: CliShapeFacts, key: K): NonNullable<CliShapeFacts[K]> | undefined {
  const value = Object.hasOwn(facts, key) ? facts[key] : shape[key];
  return (value ?? undefined) as NonNullable<CliShapeFacts[K]> | undefined;
}

function cliShape(shape: ShapeData): ShapeData {
  if (shape.cli === undefined && shape.max === undefined && shape.pattern === undefined && !shape.members?.some((m) => m.cli !== undefined)) return shape;
  const facts: CliShapeFacts = shape.cli === undefined || shape.cli === false ? {} : shape.cli;
  const { cli: _cli, max: _max, pattern: _pattern, members, enum: _enum, min: _min, required: _required, ...rest } = shape;
  const values = fact(shape, facts, 'enum');
  const min = fact(shape, facts, 'min');
  const required = fact(shape, facts, 'required');
  return {
    ...rest,
    ...(members === undefined ? {} : { members: members.filter((m) => m.cli !== false).map(cliMember) }),
    ...(required === undefined ? {} : { required }),
    ...(values === undefined ? {} : { enum: values }),
    ...(min === undefined ? {} : { min }),
  };
}
