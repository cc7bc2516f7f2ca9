import { ArgParser, type ParsedValue } from './argparse.ts';
import { buildArgumentTable, optionSpecs, type ArgumentTable } from './arguments.ts';
import { QueryClient, type ResponseDict } from './client.ts';
import { AwsConfig, type Env } from './config.ts';
import { configuredEndpoint, configuredRegion, endpointUrl } from './endpoint.ts';
import { ArgParseError, CliError, EXIT_CONFIG, EXIT_OTHER, EXIT_USAGE, OtherError, ParamError, ServiceError, UnknownOptionsError } from './errors.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';
import { formatTable } from './format/table.ts';
import { formatText } from './format/text.ts';
import { formatYaml } from './format/yaml.ts';
import { SES_MODEL } from '../model/ses-model.generated.ts';
import { SESV2_MODEL } from '../model/sesv2-model.generated.ts';
import { cliView } from '../model/cli-view.ts';
import { ServiceModel } from '../model/service.ts';
import type { OperationData } from '../model/service-types.ts';
import { PageIterator } from './paginate.ts';
import { buildParams, decodeInputBlobs, mergeCliInput, pyInt, type Params } from './params.ts';
import type { Query } from './query.ts';
import { generateSkeleton, yamlInputSkeleton } from './skeleton.ts';
import type { Transport } from './transport.ts';
import { validateParams } from './validate.ts';
import { isPlainObject, pyJsonDump } from './values.ts';
import { SIGNET_VERSION } from './version.ts';

/** What the composition root provides: streams, terminal facts, and the two ways to send. */
export interface RunContext {
  readonly env: Env;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly terminalColumns: number;
  /** The in-process API (no endpoint configured). */
  readonly embeddedTransport: () => Promise<Transport>;
  /** HTTP(S) to an endpoint. */
  readonly httpTransport: (o: import('./http-transport.ts').HttpTransportOptions) => Promise<Transport>;
  /** Pipes text through the pager command; resolves false if it cannot start. */
  readonly page?: (command: string, text: string) => Promise<boolean>;
  /** Interactive prompt for a value (auto-prompt on a terminal). */
  readonly prompt?: (question: string) => Promise<string>;
}

export const GLOBAL_OPTION_FLAGS = GLOBAL_OPTIONS.map((o) => o.flag);

interface Globals {
  debug: boolean;
  endpointUrl: string | undefined;
  verifySsl: boolean;
  paginate: boolean;
  output: string | undefined;
  query: Query | null;
  profile: string | undefined;
  region: string | undefined;
  color: 'on' | 'off' | 'auto';
  signRequest: boolean;
  caBundle: string | undefined;
  readTimeout: number | null;
  connectTimeout: number | null;
  binaryFormat: string | undefined;
  noCliPager: boolean;
}

/**
 * The services this command line speaks, by the AWS CLI's command name: the one model of each that
 * the server reads too. SES v2's is the newer botocore's with AWS CLI 2.9.19's differences marked, so
 * the command line reads it through cliView (2.9.19's members, enum values and bindings only). SES
 * v1's is 2.9.19's own and has no marks (cliView would give it back as it is): it is read directly,
 * so that `signet ses` does not pay for the walk at start-up.
 */
const SERVICES = { ses: () => SES_MODEL, sesv2: () => cliView(SESV2_MODEL) } as const;
type ServiceName = keyof typeof SERVICES;

// The service of the command being run (one per process; set before anything reads it).
let activeService: ServiceName = 'ses';
let model = new ServiceModel(SES_MODEL);

function useService(name: ServiceName): void {
  if (activeService === name) return;
  activeService = name;
  model = new ServiceModel(SERVICES[name]());
}

/** `signet ses ...` and `signet sesv2 ...` with the AWS CLI v2's behaviour. Returns the exit code. */
export async function runSes(argv: readonly string[], ctx: RunContext): Promise<number> {
  try {
    const mode = resolvePromptMode(argv, ctx.env);
    if (mode === 'on') return await promptThenRun(argv, ctx);
    if (mode === 'on-partial') {
      const rc = await runOnce(argv, ctx, true);
      if (rc !== EXIT_USAGE) return rc;
      return await promptThenRun(argv, ctx);
    }
    return await runOnce(argv, ctx, false);
  } catch (err) {
    return report(err, ctx);
  }
}

function report(err: unknown, ctx: RunContext): number {
  if (err instanceof CliError) {
    ctx.stderr(err instanceof ArgParseError || err instanceof UnknownOptionsError ? `\n${err.message}\n` : `\n${err.message}\n`);
    return err.exitCode;
  }
  ctx.stderr(`\n${(err as Error)?.message ?? String(err)}\n`);
  return EXIT_OTHER;
}

/** awscli autoprompt/core.py resolve_mode: flags, then AWS_CLI_AUTO_PROMPT, then the profile. */
function resolvePromptMode(argv: readonly string[], env: Env): string {
  const on = argv.includes('--cli-auto-prompt');
  const off = argv.includes('--no-cli-auto-prompt');
  if (on && off) throw new ParamError('Both --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.');
  if (argv.includes('help') || argv.includes('--version')) return 'off';
  if (off) return 'off';
  if (on) return 'on';
  if (env['AWS_CLI_AUTO_PROMPT']) return env['AWS_CLI_AUTO_PROMPT'].toLowerCase();
  try {
    const profileAt = argv.indexOf('--profile');
    const config = new AwsConfig(env, profileAt !== -1 ? argv[profileAt + 1] : undefined);
    return (config.get('cli_auto_prompt') ?? 'off').toLowerCase();
  } catch {
    return 'off';
  }
}

async function promptThenRun(argv: readonly string[], ctx: RunContext): Promise<number> {
  if (!ctx.stdinIsTTY || !ctx.prompt) {
    // prompt_toolkit's words when stdin is not a terminal; the AWS CLI then exits 255.
    ctx.stderr('Warning: Input is not a terminal (fd=0).\n\n\n');
    return EXIT_OTHER;
  }
  const filled = await promptForMissing(argv, ctx);
  return runOnce(filled, ctx, false);
}

/** Asks for each required parameter that is missing from the command line (a simple prompter). */
async function promptForMissing(argv: readonly string[], ctx: RunContext): Promise<string[]> {
  const args = argv.filter((a) => a !== '--cli-auto-prompt');
  const opAt = args.indexOf(activeService) + 1;
  const op = model.operationByCliName(args[opAt] ?? '');
  if (!op) return args;
  const table = buildArgumentTable(model, op);
  for (const a of table.args) {
    if (a.kind !== 'member' || !a.required || args.includes(`--${a.name}`)) continue;
    const answer = (await ctx.prompt!(`--${a.name} (${model.shape(a.shape).type}): `)).trim();
    if (answer === '') continue;
    args.push(`--${a.name}`, ...(model.shape(a.shape).type === 'list' ? answer.split(/\s+/) : [answer]));
  }
  return args;
}

async function parseGlobals(values: Map<string, ParsedValue>): Promise<Globals> {
  const s = (k: string) => values.get(k) as string | undefined;
  let query: Query | null = null;
  const q = s('query');
  // jmespath is CommonJS: loading it costs start-up time, so only when a query is given.
  if (q !== undefined) query = (await import('./query.ts')).compileQuery(q);
  const endpointUrl = s('endpoint_url');
  if (endpointUrl !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(endpointUrl)) {
    throw new ParamError(`Bad value for --endpoint-url "${endpointUrl}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/`);
  }
  const timeout = (k: string): number | null => {
    const v = s(k);
    const n = v === undefined ? 60 : pyInt(v);
    return n === 0 ? null : n;
  };
  const readTimeout = timeout('read_timeout');
  const connectTimeout = timeout('connect_timeout');
  return {
    debug: values.get('debug') === true,
    endpointUrl,
    verifySsl: values.get('verify_ssl') !== false,
    paginate: values.get('paginate') !== false,
    output: s('output'),
    query,
    profile: s('profile'),
    region: s('region'),
    color: (s('color') as Globals['color'] | undefined) ?? 'auto',
    signRequest: values.get('sign_request') !== false,
    caBundle: s('ca_bundle'),
    readTimeout,
    connectTimeout,
    binaryFormat: s('cli_binary_format'),
    noCliPager: values.get('no_cli_pager') === true,
  };
}

async function runOnce(argv: readonly string[], ctx: RunContext, silenceUsageErrors: boolean): Promise<number> {
  try {
    return await execute(argv, ctx);
  } catch (err) {
    if (silenceUsageErrors && err instanceof CliError && err.exitCode === EXIT_USAGE) return EXIT_USAGE;
    return report(err, ctx);
  }
}

async function execute(argv: readonly string[], ctx: RunContext): Promise<number> {
  const main = new ArgParser(GLOBAL_OPTIONS, [{ name: 'command', choices: ['ses', 'sesv2', 'help'] }]);
  const top = main.parse(argv);
  if (top.version) {
    ctx.stdout(`signet/${SIGNET_VERSION} Node.js/${process.version} ${process.platform}/${process.arch}\n`);
    return 0;
  }
  const globals = await parseGlobals(top.values);
  const debug = debugLogger(globals.debug, ctx);
  debug('awscli.clidriver', `CLI version: signet/${SIGNET_VERSION} Node.js/${process.version}`);
  debug('awscli.clidriver', `Arguments entered to CLI: [${argv.map((a) => `'${a}'`).join(', ')}]`);
  const command = top.positionals[0]!;
  if (command === 'ses' || command === 'sesv2') useService(command);
  if (command === 'help') {
    const { topHelp } = await import('./help.ts');
    ctx.stdout(topHelp());
    return 0;
  }
  // The service parser: the operation is the first positional of what the main parser left.
  const rest = top.extras;
  const choices = [...model.data.commandNames, ...(Object.keys(model.data.waiters).length > 0 ? ['wait'] : []), 'help'];
  const service = new ArgParser([], [{ name: 'operation', choices }]);
  const svc = service.parse(rest.slice(0, firstPositional(rest) + 1));
  const operationName = svc.positionals[0]!;
  const afterOp = [...rest.slice(0, firstPositional(rest)), ...rest.slice(firstPositional(rest) + 1)];
  if (operationName === 'help') {
    const { serviceHelp } = await import('./help.ts');
    ctx.stdout(serviceHelp(model));
    return 0;
  }
  if (operationName === 'wait') return await runWaiter(afterOp, globals, ctx, debug);
  const op = model.operationByCliName(operationName);
  if (!op) {
    const waiters = Object.keys(model.data.waiters).map((w) => `, wait ${xform(w)}`);
    throw new ParamError(
      `signet does not implement "${activeService} ${operationName}"; it offers: ${model.data.operations.map((o) => o.cliName).join(', ')}${waiters.join('')}`,
    );
  }
  if ((afterOp.length === 1 && afterOp[0] === 'help') || afterOp.includes('--help')) {
    const { operationHelp } = await import('./help.ts');
    ctx.stdout(operationHelp(model, op));
    return 0;
  }
  return await runOperation(op, afterOp, globals, ctx, debug);
}

function firstPositional(args: readonly string[]): number {
  // The main parser already took every global option, so what is left before the operation are
  // unknown options; argparse takes the first non-option token as the operation.
  const i = args.findIndex((a) => !a.startsWith('-') || a === '-');
  return i === -1 ? args.length : i;
}

type Debug = (logger: string, message: string) => void;

/** `--debug`: log lines on stderr in the AWS CLI's format (asctime - thread - logger - level - msg). */
function debugLogger(enabled: boolean, ctx: RunContext): Debug {
  if (!enabled) return () => {};
  return (logger, message) => {
    const d = new Date();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
    ctx.stderr(`${stamp} - MainThread - ${logger} - DEBUG - ${message}\n`);
  };
}

interface Prepared {
  table: ArgumentTable;
  params: Params;
  pagination: import('./params.ts').PaginationConfig;
  paginate: boolean;
  skeleton: string | null;
}

/** Parsing and parameter building shared by operations and waiters. */
async function prepare(op: OperationData, args: readonly string[], globals: Globals, ctx: RunContext, allowPaging: boolean): Promise<Prepared> {
  const table = buildArgumentTable(model, allowPaging ? op : ({ ...op, paginator: undefined } as OperationData));
  const parser = new ArgParser(optionSpecs(model, table, args));
  const parsed = parser.parse(args);
  if (parsed.extras.length > 0 || parsed.positionals.length > 0) throw new UnknownOptionsError(parsed.extras);
  const v = parsed.values;
  let paginate = globals.paginate && allowPaging && op.paginator !== undefined;
  // awscli paginate.py: giving the API's own paging token turns automatic pagination off.
  if (op.paginator && allowPaging) {
    if (v.has('next-token')) paginate = false;
    if (!paginate) {
      const used = ['starting-token', 'page-size'].filter((p) => v.has(p) && !table.shadowed.has(p));
      if (used.length > 0) throw new ParamError(`Cannot specify --no-paginate along with pagination arguments: ${used.map((p) => `--${p}`).join(', ')}`);
    }
  }
  // awscli sessendemail.py: the shortcuts exclude the structures they build.
  if (op.name === 'SendEmail') {
    const exclusive = (group1: string[], group2: string[]) => {
      if (!group1.some((k) => v.has(k))) return;
      const key = group2.find((k) => v.has(k));
      if (key) throw new ParamError(`The key "${key}" cannot be specified when one of the following keys are also specified: ${group1.join(', ')}`);
    };
    exclusive(['destination'], ['to', 'cc', 'bcc']);
    exclusive(['message'], ['text', 'html']);
  }
  const built = buildParams(model, table, v, paginate, { cwd: ctx.cwd, env: ctx.env });
  if (v.has('cli-input-json') && v.has('cli-input-yaml')) throw new ParamError('Only one --cli-input- parameter may be specified.');
  if (built.cliInput) await mergeCliInput(built.params, built.cliInput);
  if (op.paginator && paginate && (op.paginator.input_token in built.params || (op.paginator.limit_key ?? '') in built.params)) paginate = false;
  return { table, params: built.params, pagination: built.pagination, paginate, skeleton: built.skeleton };
}

interface Resolved {
  config: AwsConfig;
  client: QueryClient;
  transport: Transport;
}

async function makeClient(globals: Globals, ctx: RunContext, debug: Debug): Promise<Resolved> {
  const env = ctx.env;
  const config = new AwsConfig(env, globals.profile);
  const region = configuredRegion(globals.region, env, config);
  const retryMode = env['AWS_RETRY_MODE'] ?? config.get('retry_mode') ?? 'standard';
  if (retryMode !== 'standard' && retryMode !== 'adaptive') {
    throw new OtherError(`Invalid value provided to "mode": "${retryMode}" must be one of: "standard" or "adaptive"`);
  }
  const maxAttemptsText = env['AWS_MAX_ATTEMPTS'] ?? config.get('max_attempts');
  const maxAttempts = maxAttemptsText !== undefined ? pyInt(maxAttemptsText) : 3;
  // Newer AWS CLIs honour these; the flag wins over the environment, which wins over the profile.
  const endpoint = configuredEndpoint(globals.endpointUrl, env, config);
  const embedded = endpoint === undefined;
  const url = embedded ? new URL(`https://email.${region ?? 'us-east-1'}.amazonaws.com/`) : endpointUrl(endpoint);
  const caBundle = globals.caBundle ?? env['AWS_CA_BUNDLE'] ?? config.get('ca_bundle');
  const transport = embedded
    ? await ctx.embeddedTransport()
    : await ctx.httpTransport({
        verifySsl: globals.verifySsl,
        caBundle,
        cwd: ctx.cwd,
        connectTimeout: globals.connectTimeout,
        readTimeout: globals.readTimeout,
        warn: (m) => ctx.stderr(`${m}\n`),
      });
  debug('botocore.endpoint', `Setting ${activeService} timeout as (${globals.connectTimeout}, ${globals.readTimeout})`);
  const client = new QueryClient({
    model,
    transport,
    url,
    region,
    allowMissingRegion: embedded,
    credentials: globals.signRequest ? () => (embedded ? config.tryCredentials() : config.credentials()) : null,
    requireCredentials: !embedded,
    maxAttempts,
    timestampFormat: config.get('cli_timestamp_format') === 'wire' ? 'wire' : 'iso8601',
    userAgent: `signet/${SIGNET_VERSION} Node.js/${process.version} ${process.platform}/${process.arch}`,
  });
  return { config, client, transport };
}

function outputFormat(globals: Globals, config: AwsConfig, env: Env): string {
  const fmt = globals.output ?? env['AWS_DEFAULT_OUTPUT'] ?? config.get('output') ?? 'json';
  if (!['json', 'text', 'table', 'yaml', 'yaml-stream'].includes(fmt)) throw new OtherError(`Unknown output type: ${fmt}`);
  return fmt;
}

async function runOperation(op: OperationData, args: readonly string[], globals: Globals, ctx: RunContext, debug: Debug): Promise<number> {
  const prep = await prepare(op, args, globals, ctx, true);
  const cliCommand = `${activeService}.${op.cliName}`;
  if (prep.skeleton === 'input') {
    ctx.stdout(`${pyJsonDump(op.input ? generateSkeleton(model, op.input, false) : {})}\n`);
    return 0;
  }
  if (prep.skeleton === 'yaml-input') {
    ctx.stdout(yamlInputSkeleton(model, op.input));
    return 0;
  }
  const { config, client, transport } = await makeClient(globals, ctx, debug);
  try {
    const binaryFormat = globals.binaryFormat ?? config.get('cli_binary_format') ?? 'base64';
    decodeInputBlobs(model, op.input, prep.params, binaryFormat);
    const out = new OutputBuffer(ctx, globals, config);
    if (prep.skeleton === 'output') {
      validateParams(model, op.input, prep.params);
      // A datetime in the sample: json prints its isoformat(), the other formats its str().
      const stamp = outputFormat(globals, config, ctx.env) === 'json' ? '1970-01-01T00:00:00' : '1970-01-01 00:00:00';
      const fake = (op.output ? generateSkeleton(model, op.output, true, stamp) : {}) as ResponseDict;
      // awscli answers through botocore's Stubber, which validates the sample against the output shape.
      if (op.output) validateParams(model, op.output, fake);
      await formatSingle(op, fake, globals, config, ctx, out);
      return await out.flush();
    }
    if (prep.paginate && op.paginator) {
      validateParams(model, op.input, prep.params);
      const it = new PageIterator(op.paginator, prep.params, prep.pagination, (p) => {
        validateParams(model, op.input, p);
        return client.call(op, p, cliCommand);
      });
      await formatPaginated(op, it, globals, config, ctx, out);
      return await out.flush();
    }
    validateParams(model, op.input, prep.params);
    const response = await client.call(op, prep.params, cliCommand);
    await formatSingle(op, response, globals, config, ctx, out);
    return await out.flush();
  } finally {
    await transport.close?.();
  }
}

/** Collects stdout so that it can go through the pager on a terminal (the AWS CLI pages only there). */
class OutputBuffer {
  private readonly parts: string[] = [];
  constructor(
    private readonly ctx: RunContext,
    private readonly globals: Globals,
    private readonly config: AwsConfig,
  ) {}

  write(text: string): void {
    if (this.usePager() === null) this.ctx.stdout(text);
    else this.parts.push(text);
  }

  private usePager(): string | null {
    if (!this.ctx.stdoutIsTTY || this.globals.noCliPager || !this.ctx.page) return null;
    const env = this.ctx.env;
    const pager = env['AWS_PAGER'] ?? this.config.get('cli_pager') ?? env['PAGER'] ?? 'less';
    return pager === '' ? null : pager;
  }

  async flush(): Promise<number> {
    const pager = this.usePager();
    if (pager === null || this.parts.length === 0) return 0;
    const ok = await this.ctx.page!(pager, this.parts.join(''));
    if (!ok) {
      this.ctx.stderr(
        `\nUnable to redirect output to pager. Received the following error when opening pager:\n[Errno 2] No such file or directory: '${pager}'\n\nLearn more about configuring the output pager by running "aws help config-vars".\n`,
      );
      return EXIT_CONFIG;
    }
    return 0;
  }
}

function stripMetadata(r: ResponseDict): ResponseDict {
  const copy = { ...r };
  delete copy['ResponseMetadata'];
  return copy;
}

function applyQuery(globals: Globals, v: unknown): unknown {
  return globals.query ? globals.query.search(v) : v;
}

function isEmptyDict(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).length === 0;
}

async function formatSingle(op: OperationData, response: ResponseDict, globals: Globals, config: AwsConfig, ctx: RunContext, out: OutputBuffer): Promise<void> {
  const fmt = outputFormat(globals, config, ctx.env);
  const data = applyQuery(globals, stripMetadata(response));
  writeFormatted(fmt, op.name, data, globals, ctx, out);
}

function writeFormatted(fmt: string, title: string, data: unknown, globals: Globals, ctx: RunContext, out: OutputBuffer): void {
  switch (fmt) {
    case 'json':
      if (!isEmptyDict(data)) out.write(`${pyJsonDump(data)}\n`);
      return;
    case 'text':
      out.write(formatText(data));
      return;
    case 'table': {
      const color = globals.color === 'on' || (globals.color === 'auto' && ctx.stdoutIsTTY);
      out.write(formatTable(title, data, color, ctx.stdoutIsTTY ? ctx.terminalColumns : 80));
      return;
    }
    case 'yaml':
      if (!isEmptyDict(data)) out.write(formatYaml(data));
      return;
    case 'yaml-stream':
      if (!isEmptyDict(data)) out.write(formatYaml([data]));
      return;
  }
}

async function formatPaginated(op: OperationData, it: PageIterator, globals: Globals, config: AwsConfig, ctx: RunContext, out: OutputBuffer): Promise<void> {
  const fmt = outputFormat(globals, config, ctx.env);
  const key = op.paginator!.result_key;
  if (fmt === 'text') {
    for await (const page of it.pages()) {
      out.write(formatText(applyQuery(globals, { [key]: page[key] ?? null })));
    }
    if (it.resumeToken !== null) out.write(formatText(applyQuery(globals, { NextToken: { NextToken: it.resumeToken } })));
    return;
  }
  if (fmt === 'yaml-stream') {
    for await (const page of it.pages()) {
      const data = applyQuery(globals, stripMetadata(page));
      out.write(formatYaml([data]));
    }
    return;
  }
  // build_full_result: the result lists concatenated, then the CLI's resume token.
  const full: ResponseDict = {};
  for await (const page of it.pages()) {
    const value = page[key];
    if (value === undefined || value === null) continue;
    const existing = full[key];
    if (existing === undefined) full[key] = Array.isArray(value) ? [...value] : value;
    else if (Array.isArray(existing) && Array.isArray(value)) existing.push(...value);
  }
  if (it.resumeToken !== null) full['NextToken'] = it.resumeToken;
  writeFormatted(fmt, op.name, applyQuery(globals, full), globals, ctx, out);
}

/** `signet ses wait identity-exists`: polls as botocore's waiter (waiters-2.json) does. */
async function runWaiter(args: readonly string[], globals: Globals, ctx: RunContext, debug: Debug): Promise<number> {
  const waiters = Object.entries(model.data.waiters).map(([name, w]) => ({ name, cli: xform(name), w }));
  const sub = new ArgParser([], [{ name: 'subcommand', choices: [...waiters.map((w) => w.cli), 'help'] }]);
  const at = firstPositional(args);
  sub.parse(args.slice(at, at + 1));
  const chosen = waiters.find((w) => w.cli === args[at]);
  if (!chosen) {
    const { waitHelp } = await import('./help.ts');
    ctx.stdout(waitHelp(model));
    return 0;
  }
  const op = model.operation(chosen.w.operation);
  const rest = [...args.slice(0, at), ...args.slice(at + 1)];
  const prep = await prepare(op, rest, globals, ctx, false);
  if (prep.skeleton === 'input') {
    ctx.stdout(`${pyJsonDump(op.input ? generateSkeleton(model, op.input, false) : {})}\n`);
    return 0;
  }
  const { client, transport, config } = await makeClient(globals, ctx, debug);
  try {
    decodeInputBlobs(model, op.input, prep.params, globals.binaryFormat ?? config.get('cli_binary_format') ?? 'base64');
    validateParams(model, op.input, prep.params);
    const { search } = await import('./query.ts');
    for (let attempt = 1; ; attempt++) {
      let response: ResponseDict | null = null;
      let error: ServiceError | null = null;
      try {
        response = await client.call(op, prep.params, `${activeService}.wait.${chosen.cli}`);
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        error = err;
      }
      for (const acc of chosen.w.acceptors) {
        if (response === null) break;
        if (acc.matcher === 'pathAll') {
          const r = search(response, acc.argument!);
          if (Array.isArray(r) && r.length > 0 && r.every((x) => x === acc.expected) && acc.state === 'success') return 0;
        } else if (acc.matcher === 'path' && search(response, acc.argument!) === acc.expected && acc.state === 'success') return 0;
      }
      if (error) throw new OtherError(`Waiter ${chosen.name} failed: An error occurred (${error.code || 'Unknown'}): ${error.serviceMessage || 'Unknown'}`);
      if (attempt >= chosen.w.maxAttempts) throw new OtherError(`Waiter ${chosen.name} failed: Max attempts exceeded`);
      await new Promise((r) => setTimeout(r, chosen.w.delay * 1000));
    }
  } finally {
    await transport.close?.();
  }
}

function xform(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}
