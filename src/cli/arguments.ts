import type { OptionSpec } from './argparse.ts';
import type { ServiceModel } from '../model/service.ts';
import { xformName } from '../model/service.ts';
import type { OperationData } from '../model/service-types.ts';

/**
 * One entry of an operation's argument table, as awscli builds it: one per input member (in model
 * order), then the customisations (pagination, `ses send-email` shortcuts, `--cli-input-*`,
 * `--generate-cli-skeleton`). The table's order is the order parameters are added to the request.
 */
export type CliArgument =
  | { kind: 'member'; name: string; member: string; shape: string; required: boolean /** Key into the docs module. */; doc: string; hidden?: boolean }
  | { kind: 'page'; name: 'starting-token' | 'page-size' | 'max-items'; serialized: 'StartingToken' | 'PageSize' | 'MaxItems'; doc: string }
  | { kind: 'ses-addresses'; name: 'to' | 'cc' | 'bcc'; key: 'ToAddresses' | 'CcAddresses' | 'BccAddresses'; doc: string }
  | { kind: 'ses-body'; name: 'subject' | 'text' | 'html'; key: 'Subject' | 'Text' | 'Html'; doc: string }
  | { kind: 'cli-input'; name: 'cli-input-json' | 'cli-input-yaml'; doc: string }
  | { kind: 'skeleton'; name: 'generate-cli-skeleton'; doc: string };

export interface ArgumentTable {
  readonly args: CliArgument[];
  /** API arguments the pagination arguments shadow (restored when pagination is off). */
  readonly shadowed: Map<string, CliArgument>;
}

const PAGE_DOCS = {
  'starting-token': 'A token to specify where to start paginating. This is the NextToken from a previously truncated response.',
  'page-size':
    "The size of each page to get in the AWS service call. This does not affect the number of items returned in the command's output. Setting a smaller page size results in more calls to the AWS service, retrieving fewer items in each call. This can help prevent the AWS service calls from timing out.",
  'max-items':
    "The total number of items to return in the command's output. If the total number of items available is more than the value specified, a NextToken is provided in the command's output. To resume pagination, provide the NextToken value in the starting-token argument of a subsequent command. Do not use the NextToken response element directly outside of the AWS CLI.",
} as const;

const CLI_INPUT_JSON_DOC =
  'Reads arguments from the JSON string provided. The JSON string follows the format provided by --generate-cli-skeleton. If other arguments are provided on the command line, those values will override the JSON-provided values. It is not possible to pass arbitrary binary values using a JSON-provided value as the string will be taken literally. This may not be specified along with --cli-input-yaml.';
const CLI_INPUT_YAML_DOC =
  'Reads arguments from the YAML string provided. The YAML string follows the format provided by --generate-cli-skeleton yaml-input. If other arguments are provided on the command line, those values will override the YAML-provided values. This may not be specified along with --cli-input-json.';
const SKELETON_DOC =
  'Prints a JSON skeleton to standard output without sending an API request. If provided with no value or the value input, prints a sample input JSON that can be used as an argument for --cli-input-json. Similarly, if provided yaml-input it will print a sample input YAML that can be used with --cli-input-yaml. If provided with the value output, it validates the command inputs and returns a sample output JSON for that command. The generated JSON skeleton is not stable between versions of the AWS CLI and there are no backwards compatibility guarantees in the JSON skeleton generated.';

export function buildArgumentTable(model: ServiceModel, op: OperationData): ArgumentTable {
  const table = new Map<string, CliArgument>();
  const shadowed = new Map<string, CliArgument>();
  if (op.input) {
    const shape = model.shape(op.input);
    for (const m of shape.members ?? []) {
      const name = xformName(m.name);
      table.set(name, {
        kind: 'member',
        name,
        member: m.name,
        shape: m.shape,
        required: (shape.required ?? []).includes(m.name),
        doc: `${op.input}.${m.name}`,
      });
    }
  }
  // awscli customizations/paginate.py: hide the API's paging members, add the CLI's own.
  if (op.paginator) {
    const pag = op.paginator;
    for (const token of [pag.input_token, ...(pag.limit_key ? [pag.limit_key] : [])]) {
      const a = table.get(xformName(token));
      if (a && a.kind === 'member') a.hidden = true;
    }
    const add = (a: CliArgument) => {
      const existing = table.get(a.name);
      if (existing) shadowed.set(a.name, existing);
      table.set(a.name, a);
    };
    add({ kind: 'page', name: 'starting-token', serialized: 'StartingToken', doc: PAGE_DOCS['starting-token'] });
    if (pag.limit_key) add({ kind: 'page', name: 'page-size', serialized: 'PageSize', doc: PAGE_DOCS['page-size'] });
    add({ kind: 'page', name: 'max-items', serialized: 'MaxItems', doc: PAGE_DOCS['max-items'] });
  }
  // awscli customizations/sessendemail.py: --source becomes --from (moved to the end of the table),
  // --destination/--message become optional, and the simple shortcuts are added.
  if (op.name === 'SendEmail') {
    for (const key of ['destination', 'message']) {
      const a = table.get(key);
      if (a && a.kind === 'member') a.required = false;
    }
    const source = table.get('source');
    if (source && source.kind === 'member') {
      table.delete('source');
      table.set('from', { ...source, name: 'from' });
    }
    table.set('to', {
      kind: 'ses-addresses',
      name: 'to',
      key: 'ToAddresses',
      doc: 'The email addresses of the primary recipients. You can specify multiple recipients as space-separated values',
    });
    table.set('cc', {
      kind: 'ses-addresses',
      name: 'cc',
      key: 'CcAddresses',
      doc: 'The email addresses of copy recipients (Cc). You can specify multiple recipients as space-separated values',
    });
    table.set('bcc', {
      kind: 'ses-addresses',
      name: 'bcc',
      key: 'BccAddresses',
      doc: 'The email addresses of blind-carbon-copy recipients (Bcc). You can specify multiple recipients as space-separated values',
    });
    table.set('subject', { kind: 'ses-body', name: 'subject', key: 'Subject', doc: 'The subject of the message' });
    table.set('text', { kind: 'ses-body', name: 'text', key: 'Text', doc: 'The raw text body of the message' });
    table.set('html', { kind: 'ses-body', name: 'html', key: 'Html', doc: 'The HTML body of the message' });
  }
  table.set('cli-input-json', { kind: 'cli-input', name: 'cli-input-json', doc: CLI_INPUT_JSON_DOC });
  table.set('cli-input-yaml', { kind: 'cli-input', name: 'cli-input-yaml', doc: CLI_INPUT_YAML_DOC });
  table.set('generate-cli-skeleton', { kind: 'skeleton', name: 'generate-cli-skeleton', doc: SKELETON_DOC });
  return { args: [...table.values()], shadowed };
}

/**
 * The argparse options of the table. `overrideRequired` is awscli's OverrideRequiredArgsArgument:
 * when `--cli-input-json`, `--cli-input-yaml` or `--generate-cli-skeleton` (but not `... output`)
 * appears as a token, no member is required on the command line.
 */
export function optionSpecs(model: ServiceModel, table: ArgumentTable, rawArgs: readonly string[]): OptionSpec[] {
  const skeletonAt = rawArgs.indexOf('--generate-cli-skeleton');
  const overrideRequired =
    rawArgs.includes('--cli-input-json') || rawArgs.includes('--cli-input-yaml') || (skeletonAt !== -1 && rawArgs[skeletonAt + 1] !== 'output');
  const specs: OptionSpec[] = [];
  for (const a of table.args) {
    const flag = `--${a.name}`;
    switch (a.kind) {
      case 'member': {
        const shape = model.shape(a.shape);
        if (shape.type === 'boolean') {
          specs.push({ flag, dest: a.name, action: 'store_true' });
          specs.push({ flag: `--no-${a.name}`, dest: a.name, action: 'store_false' });
        } else {
          specs.push({
            flag,
            dest: a.name,
            action: 'store',
            nargs: shape.type === 'list' ? '+' : 'one',
            required: a.required && !overrideRequired,
          });
        }
        break;
      }
      case 'page':
        specs.push({ flag, dest: a.name, action: 'store', ...(a.name === 'starting-token' ? {} : { type: 'int' as const }) });
        break;
      case 'ses-addresses':
        specs.push({ flag, dest: a.name, action: 'store', nargs: '+' });
        break;
      case 'ses-body':
      case 'cli-input':
        specs.push({ flag, dest: a.name, action: 'store' });
        break;
      case 'skeleton':
        specs.push({ flag, dest: a.name, action: 'store', nargs: '?', constValue: 'input', choices: ['input', 'output', 'yaml-input'] });
        break;
    }
  }
  return specs;
}
