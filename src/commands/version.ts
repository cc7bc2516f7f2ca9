import { SIGNET_VERSION } from '../cli/version.ts';
import type { Command } from './command.ts';

export const versionCommand: Command = {
  path: ['version'],
  summary: 'print the version',
  usage: 'usage: signet version\n  print the version (also signet --version)',
  options: {},
  async run() {
    return { output: { kind: 'lines', lines: [`signet ${SIGNET_VERSION}`] } };
  },
};
