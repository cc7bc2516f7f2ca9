import type { ResponseDict } from './client.ts';
import type { PaginatorData } from '../model/service-types.ts';
import type { PaginationConfig, Params } from './params.ts';
import { isPlainObject, pyJsonCompact, type PyValue } from './values.ts';

/**
 * botocore's PageIterator for a paginator with one input/output token and one result key: pages
 * are fetched lazily; `--max-items` truncates the last page and produces the CLI's resume token
 * (base64 of Python's `json.dumps({"NextToken": ..., "boto_truncate_amount": N})`).
 */
export class PageIterator {
  resumeToken: string | null = null;

  constructor(
    private readonly pag: PaginatorData,
    private readonly params: Params,
    private readonly config: PaginationConfig,
    private readonly fetch: (params: Params) => Promise<ResponseDict>,
  ) {}

  private parseStartingToken(): { token: Record<string, PyValue>; index: number } | null {
    const t = this.config.StartingToken;
    if (t === undefined) return null;
    try {
      const decoded = Buffer.from(t, 'base64');
      // Python's b64decode rejects what Node silently skips; re-encoding shows the difference.
      const clean = t.replace(/[^A-Za-z0-9+/=]/g, '');
      if (clean.replace(/=+$/, '').length % 4 === 1 || (clean.length % 4 !== 0 && !/^[A-Za-z0-9+/]*$/.test(clean))) throw new Error('padding');
      if (clean.length % 4 !== 0) throw new Error('padding');
      const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decoded)) as unknown;
      if (!isPlainObject(parsed)) throw new Error('not a dict');
      let index = 0;
      if ('boto_truncate_amount' in parsed) {
        index = Number(parsed['boto_truncate_amount']);
        delete parsed['boto_truncate_amount'];
      }
      return { token: parsed, index };
    } catch {
      // The deprecated format: the token itself, optionally "___<index>".
      const parts = t.split('___');
      let index = 0;
      let tokens = parts;
      if (parts.length === 2 && /^[-+]?\d+$/.test(parts[1]!.trim())) {
        index = Number.parseInt(parts[1]!, 10);
        tokens = [parts[0]!];
      } else if (parts.length === 2) tokens = [t];
      if (tokens.length > 1) throw new Error('Starting token has too many elements');
      return { token: { [this.pag.input_token]: tokens[0] === 'None' ? null : tokens[0]! }, index };
    }
  }

  private inject(kwargs: Params, token: Record<string, PyValue>): void {
    for (const [name, value] of Object.entries(token)) {
      if (value !== null && value !== 'None') kwargs[name] = value;
      else delete kwargs[name];
    }
  }

  private encode(token: Record<string, PyValue>): string {
    return Buffer.from(pyJsonCompact(token), 'utf8').toString('base64');
  }

  async *pages(): AsyncGenerator<ResponseDict> {
    const kwargs: Params = { ...this.params };
    const starting = this.parseStartingToken();
    const key = this.pag.result_key;
    const maxItems = this.config.MaxItems;
    let nextToken: Record<string, PyValue> = starting ? starting.token : { [this.pag.input_token]: null };
    if (starting) this.inject(kwargs, starting.token);
    if (this.config.PageSize !== undefined && this.pag.limit_key) kwargs[this.pag.limit_key] = this.config.PageSize;
    let total = 0;
    let first = true;
    let startingTruncation = 0;
    let previous: string | null = null;
    for (;;) {
      const parsed = await this.fetch({ ...kwargs });
      if (first) {
        if (starting) {
          startingTruncation = starting.index;
          const all = parsed[key];
          if (Array.isArray(all) || typeof all === 'string') parsed[key] = all.slice(startingTruncation) as PyValue;
          else if (all !== undefined) parsed[key] = null;
        }
        first = false;
      } else startingTruncation = 0;
      const current = Array.isArray(parsed[key]) ? (parsed[key] as PyValue[]) : [];
      const truncateAmount = maxItems !== undefined ? total + current.length - maxItems : 0;
      if (truncateAmount > 0) {
        const keep = current.length - truncateAmount;
        parsed[key] = current.slice(0, keep);
        nextToken['boto_truncate_amount'] = keep + startingTruncation;
        this.resumeToken = this.encode(nextToken);
        yield parsed;
        return;
      }
      yield parsed;
      total += current.length;
      const out = parsed[this.pag.output_token];
      nextToken = { [this.pag.input_token]: out === undefined ? null : out };
      if (Object.values(nextToken).every((v) => v === null)) return;
      if (maxItems !== undefined && total === maxItems) {
        this.resumeToken = this.encode(nextToken);
        return;
      }
      const serial = JSON.stringify(nextToken);
      if (previous !== null && previous === serial) throw new Error(`The same next token was received twice: ${serial}`);
      this.inject(kwargs, nextToken);
      previous = serial;
    }
  }
}
