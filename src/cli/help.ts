import type { ServiceModel } from '../model/service.ts';
import { xformName } from '../model/service.ts';
import type { OperationData, ShapeData } from '../model/service-types.ts';
import { buildArgumentTable } from './arguments.ts';
import { GLOBAL_HELP } from './global-help.ts';
import { SES_DOCS } from '../model/ses-docs.generated.ts';
import { SESV2_DOCS } from '../model/sesv2-docs.generated.ts';
import type { ServiceDocsData } from '../model/service-types.ts';

/** The documentation of the model's service. */
function docsOf(model: ServiceModel): ServiceDocsData {
  return model.data.metadata.protocol === 'rest-json' ? SESV2_DOCS : SES_DOCS;
}

/**
 * `signet ses <command> help`: the command's reference, laid out like the AWS CLI's man page
 * (NAME, DESCRIPTION, SYNOPSIS, OPTIONS, GLOBAL OPTIONS, EXAMPLES, OUTPUT), all derived from the
 * model: the operation and member documentation, the argument table and the output shape.
 */
const WIDTH = 79;

function wrap(text: string, indent: number): string {
  const out: string[] = [];
  for (const para of text.split('\n\n')) {
    const words = para.split(/\s+/).filter(Boolean);
    let line = '';
    for (const w of words) {
      if (line && indent + line.length + 1 + w.length > WIDTH) {
        out.push(' '.repeat(indent) + line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    if (line) out.push(' '.repeat(indent) + line);
    out.push('');
  }
  return out.join('\n');
}

function typeLabel(s: ShapeData): string {
  if (s.type === 'list') return 'list';
  if (s.type === 'structure') return 'structure';
  if (s.type === 'map') return 'map';
  return s.type;
}

function describeShape(model: ServiceModel, shapeName: string, indent: number, seen: string[] = []): string {
  const shape = model.shape(shapeName);
  const lines: string[] = [];
  if (seen.includes(shapeName)) return '';
  for (const m of shape.members ?? []) {
    const ms = model.shape(m.shape);
    lines.push(`${' '.repeat(indent)}${m.name} -> (${typeLabel(ms)})\n`);
    const doc = docsOf(model).members[`${shapeName}.${m.name}`];
    if (doc) lines.push(wrap(doc, indent + 3));
    if (ms.type === 'structure') lines.push(describeShape(model, m.shape, indent + 3, [...seen, shapeName]));
    if (ms.type === 'list') {
      const item = model.shape(ms.member!);
      lines.push(`${' '.repeat(indent + 3)}(${typeLabel(item)})\n\n`);
      if (item.type === 'structure') lines.push(describeShape(model, ms.member!, indent + 6, [...seen, shapeName]));
    }
    if (ms.type === 'map') {
      lines.push(`${' '.repeat(indent + 3)}key -> (string)\n\n${' '.repeat(indent + 3)}value -> (${typeLabel(model.shape(ms.value!))})\n\n`);
      if (model.shape(ms.value!).type === 'structure') lines.push(describeShape(model, ms.value!, indent + 6, [...seen, shapeName]));
    }
  }
  return lines.join('');
}

function examplesText(rst: string): string {
  return rst
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/``(.+?)``/g, '$1')
    .replace(/`([^`]+?)`_/g, '$1')
    .replace(/^\.\. _.*$/gm, '')
    .replace(/::\n/g, ':\n')
    .split('\n')
    .map((l) => (l ? `       ${l}` : ''))
    .join('\n')
    .replace(/\baws ses\b/g, 'signet ses');
}

export function operationHelp(model: ServiceModel, op: OperationData): string {
  const table = buildArgumentTable(model, op);
  const parts: string[] = [];
  parts.push(`${op.cliName.toUpperCase()}()\n\n`);
  parts.push(`NAME\n       ${op.cliName} -\n\n`);
  parts.push(`DESCRIPTION\n${wrap(docsOf(model).operations[op.name]?.doc ?? '', 7)}\n`);
  const synopsis: string[] = [`            ${op.cliName}`];
  for (const a of table.args) {
    if (a.kind === 'member' && a.hidden) continue;
    if (a.kind === 'member') {
      const s = model.shape(a.shape);
      const flag = s.type === 'boolean' ? `--${a.name} | --no-${a.name}` : `--${a.name} <value>`;
      synopsis.push(`          ${a.required ? flag : `[${flag}]`}`);
    } else if (a.kind === 'cli-input') {
      if (a.name === 'cli-input-json') synopsis.push('          [--cli-input-json | --cli-input-yaml]');
    } else if (a.kind === 'skeleton') synopsis.push('          [--generate-cli-skeleton <value>]');
    else synopsis.push(`          [--${a.name} <value>]`);
  }
  for (const g of GLOBAL_HELP) synopsis.push(`          [${g.flag}${g.type === 'boolean' ? '' : ' <value>'}]`);
  parts.push(`SYNOPSIS\n${synopsis.join('\n')}\n\n`);
  const options: string[] = [];
  for (const a of table.args) {
    if (a.kind === 'member' && a.hidden) continue;
    if (a.kind === 'member') {
      const s = model.shape(a.shape);
      const flag = s.type === 'boolean' ? `--${a.name} | --no-${a.name}` : `--${a.name}`;
      options.push(`       ${flag} (${typeLabel(s)})\n`);
      options.push(`${wrap(docsOf(model).members[a.doc] ?? '', 10)}\n`);
      if (s.enum) options.push(`          Possible values:\n\n${s.enum.map((e) => `          o ${e}\n`).join('\n')}\n`);
      if (s.type === 'list') options.push(`          Syntax:\n\n            "string" "string" ...\n\n`);
    } else if (a.kind === 'cli-input') {
      if (a.name === 'cli-input-json') options.push(`       --cli-input-json | --cli-input-yaml (string)\n${wrap(a.doc, 10)}`);
    } else {
      options.push(`       --${a.name} (${a.kind === 'page' && a.name !== 'starting-token' ? 'integer' : 'string'})\n${wrap(a.doc, 10)}`);
    }
  }
  parts.push(`OPTIONS\n${options.join('')}`);
  parts.push(`GLOBAL OPTIONS\n${GLOBAL_HELP.map((g) => `       ${g.flag} (${g.type})\n\n${wrap(g.help, 7)}`).join('')}`);
  const examples = docsOf(model).operations[op.name]?.examples;
  if (examples) parts.push(`EXAMPLES\n${examplesText(examples)}\n\n`);
  parts.push(`OUTPUT\n${op.output && (model.shape(op.output).members ?? []).length > 0 ? describeShape(model, op.output, 7) : '       None\n'}\n`);
  return parts.join('');
}

export function serviceHelp(model: ServiceModel): string {
  const name = model.data.metadata.protocol === 'rest-json' ? 'sesv2' : 'ses';
  const wait = Object.keys(model.data.waiters).length > 0 ? ['wait'] : [];
  return (
    `${name.toUpperCase()}()\n\nNAME\n       ${name} -\n\nDESCRIPTION\n       Amazon Simple Email Service${name === 'sesv2' ? ' API v2' : ''}, served by Signet (Easy DKIM). Without an endpoint the\n` +
    '       commands run in-process against the data folder ($SIGNET_DATA_DIR, default ~/.signet).\n\n' +
    `AVAILABLE COMMANDS\n${[...model.data.operations.map((o) => o.cliName), ...wait]
      .sort()
      .map((c) => `       o ${c}\n\n`)
      .join('')}`
  );
}

export function waitHelp(model: ServiceModel): string {
  return `WAIT()\n\nNAME\n       wait -\n\nDESCRIPTION\n       Wait until a particular condition is satisfied.\n\nAVAILABLE COMMANDS\n${Object.keys(
    model.data.waiters,
  )
    .map((w) => `       o ${xformName(w)}\n\n`)
    .join('')}`;
}

export function topHelp(): string {
  return 'signet ses <command> [parameters]\nsignet sesv2 <command> [parameters]\n\nThe AWS CLI v2 `aws ses` and `aws sesv2` commands (Easy DKIM and sending), run in-process or against --endpoint-url.\nUse `signet ses help` or `signet sesv2 help` for the list of commands.\n';
}
