import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ArgParser } from './argparse.ts';
import { buildArgumentTable, optionSpecs } from './arguments.ts';
import { SES_MODEL } from '../model/ses-model.generated.ts';
import { ServiceModel } from '../model/service.ts';
import { buildParams, loadParamFile, mergeCliInput, ParamFileError, pyInt, type Params } from './params.ts';

const model = new ServiceModel(SES_MODEL);
/** What the AWS CLI v1 itself builds (test/fixtures/awscli-reference/generate-params.py). */
const reference = JSON.parse(readFileSync(new URL('../../test/fixtures/awscli-reference/awscli-v1-params.json', import.meta.url), 'utf8')) as {
  commands: { argv: string[]; params: Params | null }[];
};

/** The command line's parameter building for `ses OPERATION ARGS...`, as `signet ses` runs it. */
function params(argv: readonly string[], ctx = { cwd: process.cwd(), env: {} }): Params {
  const [, opName, ...args] = argv;
  const op = model.operationByCliName(opName!);
  assert.ok(op, opName);
  const table = buildArgumentTable(model, op);
  const parsed = new ArgParser(optionSpecs(model, table, args)).parse(args);
  assert.deepEqual([parsed.extras, parsed.positionals], [[], []]);
  // As run.ts: giving the API's own NextToken turns automatic pagination off.
  const paginate = op.paginator !== undefined && !parsed.values.has('next-token');
  return buildParams(model, table, parsed.values, paginate, ctx).params;
}

describe('request parameters from the command line, as the AWS CLI builds them', () => {
  for (const c of reference.commands) {
    it(c.argv.join(' '), () => {
      assert.ok(c.params, 'the reference has parameters');
      assert.deepEqual(params(c.argv), c.params);
    });
  }
});

describe('file:// and fileb:// parameter values (awscli paramfile)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-paramfile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'message.json'), '{"Subject": {"Data": "from a file"}, "Body": {"Text": {"Data": "t"}}}');
  writeFileSync(join(dir, 'bytes.bin'), Buffer.from([0xff, 0x00, 0x41]));

  it('file:// reads text (relative to the working folder, ~ and $VAR expanded); fileb:// bytes', () => {
    const ctx = { cwd: dir, env: { HOME: dir, SUB: 'message' } };
    assert.equal(loadParamFile('file://message.json', ctx), '{"Subject": {"Data": "from a file"}, "Body": {"Text": {"Data": "t"}}}');
    assert.equal(loadParamFile('file://~/message.json', { cwd: '/', env: { HOME: dir } }), loadParamFile('file://message.json', ctx));
    assert.equal(loadParamFile('file://$SUB.json', ctx), loadParamFile('file://message.json', ctx));
    assert.deepEqual([...(loadParamFile('fileb://bytes.bin', ctx) as Buffer)], [0xff, 0x00, 0x41]);
    assert.equal(loadParamFile('plain value', ctx), null);
  });

  it("a missing file and binary text are errors in awscli's words", () => {
    const ctx = { cwd: dir, env: {} };
    assert.throws(
      () => loadParamFile('file://nope.txt', ctx),
      (err) => err instanceof ParamFileError && err.message === "Unable to load paramfile file://nope.txt: [Errno 2] No such file or directory: 'nope.txt'",
    );
    assert.throws(
      () => loadParamFile('file://bytes.bin', ctx),
      (err) => err instanceof ParamFileError && /could not be decoded.*fileb:\/\//s.test(err.message),
    );
  });

  it('a structure argument read from a file', () => {
    const built = params(['ses', 'send-email', '--from', 'a@x.example', '--destination', 'ToAddresses=b@y.example', '--message', 'file://message.json'], {
      cwd: dir,
      env: {},
    });
    assert.deepEqual(built['Message'], { Subject: { Data: 'from a file' }, Body: { Text: { Data: 't' } } });
  });
});

describe('other argument processing', () => {
  it("pyInt is Python's int(): underscores and spaces allowed, anything else refused in its words", () => {
    assert.equal(pyInt(' 1_000 '), 1000);
    assert.equal(pyInt('-5'), -5);
    assert.throws(() => pyInt('1.5'), /invalid literal for int\(\) with base 10: '1\.5'/);
  });

  it('--cli-input-json fills only what the command line did not set; a non-map is refused', async () => {
    const p: Params = { Identity: 'cli.example' };
    await mergeCliInput(p, { name: 'cli-input-json', value: '{"Identity": "json.example", "DkimEnabled": true}' });
    assert.deepEqual(p, { Identity: 'cli.example', DkimEnabled: true });
    await assert.rejects(mergeCliInput({}, { name: 'cli-input-json', value: '[1]' }), /Invalid type: expecting map, received <class 'list'>/);
    await assert.rejects(mergeCliInput({}, { name: 'cli-input-json', value: '{' }), /Invalid JSON received/);
    const y: Params = {};
    await mergeCliInput(y, { name: 'cli-input-yaml', value: 'Identity: yaml.example\nDkimEnabled: false\n' });
    assert.deepEqual(y, { Identity: 'yaml.example', DkimEnabled: false });
  });

  it('a malformed shorthand value is a parameter error naming the argument', () => {
    assert.throws(
      () => params(['ses', 'send-email', '--from', 'a@x.example', '--destination', 'ToAddresses=[b@y.example', '--message', 'Subject={Data=s}']),
      /^Error: Error parsing parameter '--destination': Expected: ','/,
    );
  });
});
