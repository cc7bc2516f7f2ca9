import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SES_ACTIONS } from '../src/api/actions/index.ts';
import { parseForm } from '../src/api/form.ts';
import { compileOperations, modelOperation } from '../src/api/query/operations.ts';
import { serializeQuery } from '../src/cli/query-serializer.ts';
import { parseXml, type XmlElement } from '../src/cli/xml.ts';
import { ServiceModel } from '../src/model/service.ts';
import type { ServiceModelData, ShapeData } from '../src/model/service-types.ts';
import { SES_MODEL } from '../src/model/ses-model.generated.ts';

/**
 * The v1 server against the one SES v1 model (src/model/ses-model.generated.ts), which the command
 * line serializes and parses by too: every operation the server implements is one the model
 * describes (and the reverse), every input member the model defines is decoded from the form
 * botocore's serializer writes, and every output member is encoded, in model order.
 */

const shapeOf = (model: ServiceModelData, name: string): ShapeData => model.shapes[name]!;

/** A value for every member of a shape: what a client sending everything would send. */
function sample(model: ServiceModelData, name: string, path: string): unknown {
  const shape = shapeOf(model, name);
  switch (shape.type) {
    case 'structure':
      return Object.fromEntries((shape.members ?? []).map((m) => [m.name, sample(model, m.shape, `${path}.${m.name}`)]));
    case 'list':
      return [sample(model, shape.member!, `${path}.1`), sample(model, shape.member!, `${path}.2`)];
    case 'map':
      return new Map([
        ['k1', sample(model, shape.value!, `${path}.k1`)],
        ['k2', sample(model, shape.value!, `${path}.k2`)],
      ]);
    case 'boolean':
      return true;
    case 'integer':
    case 'long':
      return 7;
    case 'double':
      return 2.5;
    case 'timestamp':
      return Date.UTC(2026, 0, 2, 3, 4, 5);
    default:
      return shape.enum?.[0] ?? `v${path}`;
  }
}

/** The sample as the server decodes it: blobs stay base64 (SendRawEmail decodes after its size check). */
function asDecoded(model: ServiceModelData, name: string, value: unknown): unknown {
  const shape = shapeOf(model, name);
  if (shape.type === 'blob') return Buffer.from(value as string).toString('base64');
  if (shape.type === 'list') return (value as unknown[]).map((v) => asDecoded(model, shape.member!, v));
  if (shape.type === 'structure') {
    const members = shape.members ?? [];
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, asDecoded(model, members.find((m) => m.name === k)!.shape, v)]),
    );
  }
  return value;
}

/** The member names of each structure in the document, checked against the model's order. */
function checkOrder(model: ServiceModelData, name: string, el: XmlElement, where: string): void {
  const shape = shapeOf(model, name);
  if (shape.type === 'structure') {
    const expected = (shape.members ?? []).map((m) => m.name);
    assert.deepEqual(
      el.children.map((c) => c.name),
      expected,
      `${where}: every member, in model order`,
    );
    for (const child of el.children) checkOrder(model, shape.members!.find((m) => m.name === child.name)!.shape, child, `${where}.${child.name}`);
  } else if (shape.type === 'list') {
    assert.equal(el.children.length, 2, `${where}: both items`);
    for (const item of el.children) {
      assert.equal(item.name, 'member');
      checkOrder(model, shape.member!, item, `${where}.member`);
    }
  } else if (shape.type === 'map') {
    assert.equal(el.children.length, 2, `${where}: both entries`);
    for (const entry of el.children) {
      assert.deepEqual(
        entry.children.map((c) => c.name),
        ['key', 'value'],
      );
      checkOrder(model, shape.value!, entry.children[1]!, `${where}.value`);
    }
  }
}

/** Decodes what botocore's serializer writes for a full input; the problems found, if any. */
function inputRoundTrip(serverModel: ServiceModelData, operation: string): string | null {
  const op = modelOperation(SES_MODEL, operation)!;
  if (op.input === undefined) return null;
  const input = sample(SES_MODEL, op.input, '') as Record<string, unknown>;
  const body = serializeQuery(new ServiceModel(SES_MODEL), operation, op.input, input);
  const decoded = compileOperations(
    serverModel,
    SES_ACTIONS.filter((a) => a.name === operation),
  )
    .get(operation)!
    .decode(parseForm(Buffer.from(body)));
  try {
    assert.deepEqual(decoded, asDecoded(SES_MODEL, op.input, input));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('the v1 server and the SES v1 model', () => {
  const operations = compileOperations(SES_MODEL, SES_ACTIONS, { strict: true });

  it('implements exactly the operations of the model (the command line offers them; the deprecated three are server-only)', () => {
    assert.deepEqual(SES_ACTIONS.map((a) => a.name).sort(), [...SES_MODEL.operations, ...(SES_MODEL.serverOnlyOperations ?? [])].map((o) => o.name).sort());
  });

  for (const action of SES_ACTIONS) {
    const op = modelOperation(SES_MODEL, action.name)!;
    it(`${action.name}: every input member the model defines is accepted as botocore sends it`, () => {
      assert.equal(inputRoundTrip(SES_MODEL, action.name), null);
    });
    it(`${action.name}: every output member is encoded, in model order, and parsed back by the command line`, () => {
      const document = operations.get(action.name)!.respond(op.output === undefined ? undefined : sample(SES_MODEL, op.output, ''), 'rid');
      const root = parseXml(document);
      assert.equal(root.name, `${action.name}Response`);
      const names = root.children.map((c) => c.name);
      if (op.output === undefined) {
        assert.deepEqual(names, ['ResponseMetadata']);
        return;
      }
      assert.deepEqual(names, [op.resultWrapper, 'ResponseMetadata']);
      checkOrder(SES_MODEL, op.output, root.children[0]!, action.name);
    });
  }
});

describe('a drift between an action and the model is caught', () => {
  /** The model with one member taken out of one shape. */
  function without(shape: string, member: string): ServiceModelData {
    const s = SES_MODEL.shapes[shape]!;
    return {
      ...SES_MODEL,
      shapes: {
        ...SES_MODEL.shapes,
        [shape]: { ...s, members: s.members!.filter((m) => m.name !== member), required: s.required?.filter((r) => r !== member) },
      },
    };
  }

  it('an output member the model lacks fails the strict encoding the tests use', () => {
    const drifted = compileOperations(without('IdentityDkimAttributes', 'DkimTokens'), SES_ACTIONS, { strict: true }).get('GetIdentityDkimAttributes')!;
    const output = { DkimAttributes: new Map([['example.com', { DkimEnabled: true, DkimVerificationStatus: 'Success', DkimTokens: ['t1'] }]]) };
    assert.throws(() => drifted.respond(output, 'rid'), /IdentityDkimAttributes has no member DkimTokens/);
  });

  it('an input member the model lacks is not decoded: the round trip names it', () => {
    const problem = inputRoundTrip(without('SetIdentityDkimEnabledRequest', 'DkimEnabled'), 'SetIdentityDkimEnabled');
    assert.match(problem ?? '', /DkimEnabled/);
  });

  it('an action the model does not describe, or a rule naming a member it lacks, fails when the handler is made', () => {
    const noOperation = { ...SES_MODEL, operations: SES_MODEL.operations.filter((o) => o.name !== 'VerifyDomainDkim') };
    assert.throws(() => compileOperations(noOperation, SES_ACTIONS), /no operation VerifyDomainDkim/);
    assert.throws(() => compileOperations(without('SetIdentityMailFromDomainRequest', 'BehaviorOnMXFailure'), SES_ACTIONS), /no member BehaviorOnMXFailure/);
  });
});
