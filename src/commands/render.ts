import type { Output } from './command.ts';

/** The rendering layer: a command's data as the bytes it prints on standard output. */
export function render(output: Exclude<Output, { kind: 'stream' }>): string | Buffer {
  switch (output.kind) {
    case 'json':
      return `${JSON.stringify(output.value, null, output.indent ?? 4)}\n`;
    case 'lines':
      return output.lines.map((line) => `${line}\n`).join('');
    case 'bytes':
      return output.bytes;
    case 'none':
      return '';
  }
}

/** Any output as the chunks it prints: a streamed one as it comes, any other as one chunk. */
export async function* renderChunks(output: Output): AsyncGenerator<string | Buffer> {
  if (output.kind === 'stream') yield* output.chunks;
  else yield render(output);
}
