/**
 * node:util parseArgs refuses `--max-24-hour-send -1` ("argument is ambiguous": a value that starts
 * with a dash could be an option), yet the usage text shows `-1` for "unlimited". For options that
 * take a value, a following negative number is joined to its option (`--max-24-hour-send=-1`), which
 * parseArgs reads as that option's value. Anything else is left as it is.
 */
export function joinNegativeNumbers(argv: readonly string[], options: Readonly<Record<string, { type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--') && !arg.includes('=') && options[arg.slice(2)]?.type === 'string' && next !== undefined && /^-\d+(\.\d+)?$/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}
