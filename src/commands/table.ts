import type { Command } from './command.ts';

/** A command of `signet`, loaded only when it runs (each command's code is its own chunk). */
export interface CommandEntry {
  readonly path: readonly string[];
  /** Shown by `signet help`. */
  readonly synopsis: string;
  readonly summary: string;
  load(): Promise<Command>;
}

const entry = (path: string, synopsis: string, summary: string, load: () => Promise<Command>): CommandEntry => ({
  path: path.split(' '),
  synopsis,
  summary,
  load,
});

/** Every command but `signet ses` (the AWS CLI's own command line, src/cli) and the internal DNS worker. */
export const COMMAND_TABLE: readonly CommandEntry[] = [
  entry(
    'serve',
    'serve [options]',
    'serve the SES API over HTTP, the key zone over DNS, detection and sending',
    async () => (await import('./serve.ts')).serveCommand,
  ),
  entry('admin create-account', 'admin create-account [--account-id ID]', 'create an account', async () => (await import('./admin.ts')).createAccountCommand),
  entry(
    'admin create-access-key',
    'admin create-access-key --account-id ID',
    'create an access key pair (the secret is shown once)',
    async () => (await import('./admin.ts')).createAccessKeyCommand,
  ),
  entry(
    'admin grant-production-access',
    'admin grant-production-access --account-id ID [--revoke]',
    'take an account out of the sandbox (--revoke: back in)',
    async () => (await import('./admin.ts')).grantProductionAccessCommand,
  ),
  entry('admin list-accounts', 'admin list-accounts', 'accounts and their access key ids', async () => (await import('./admin.ts')).listAccountsCommand),
  entry(
    'admin smtp-credentials',
    'admin smtp-credentials --access-key-id ID --region R',
    "SES's SMTP user name and password of a key for a region",
    async () => (await import('./admin.ts')).smtpCredentialsCommand,
  ),
  entry(
    'admin delete-access-key',
    'admin delete-access-key --access-key-id ID',
    'delete an access key',
    async () => (await import('./admin.ts')).deleteAccessKeyCommand,
  ),
  entry(
    'admin backup',
    'admin backup FILE',
    'an online, consistent copy of the SQLite store (PostgreSQL: pg_dump)',
    async () => (await import('./admin-store.ts')).backupCommand,
  ),
  entry('admin restore', 'admin restore FILE [--replace]', 'put a backup in place as the store', async () => (await import('./admin-store.ts')).restoreCommand),
  entry(
    'admin rebuild-dns-keys',
    'admin rebuild-dns-keys',
    "rebuild the SQLite store's DNS key table from the keys",
    async () => (await import('./admin-store.ts')).rebuildDnsKeysCommand,
  ),
  entry(
    'admin status',
    'admin status [--endpoint-url URL] [--check]',
    'listeners, store, key pool, identities by status, overdue checks',
    async () => (await import('./admin-store.ts')).statusCommand,
  ),
  entry(
    'dkim doctor',
    'dkim doctor DOMAIN',
    "what DNS answers for each of a domain's DKIM records, and what is wrong",
    async () => (await import('./dkim-doctor.ts')).doctorCommand,
  ),
  entry(
    'dkim check',
    'dkim check DOMAIN',
    "check a domain's DKIM records now and print the resulting status",
    async () => (await import('./dkim-check.ts')).checkCommand,
  ),
  entry(
    'dkim rotate',
    'dkim rotate DOMAIN',
    "rotate a domain's DKIM signing key now, behind the same tokens",
    async () => (await import('./dkim-rotate.ts')).rotateCommand,
  ),
  entry('dns export', 'dns export', 'the DKIM key zone as a BIND zone file', async () => (await import('./dns-export.ts')).dnsExportCommand),
  entry(
    'dev publish-dkim-records',
    'dev publish-dkim-records DOMAIN',
    "make a domain's CNAMEs appear in the sandbox of serve --dev",
    async () => (await import('./dev-sandbox.ts')).publishCommand,
  ),
  entry(
    'dev unpublish-dkim-records',
    'dev unpublish-dkim-records DOMAIN',
    "make a domain's CNAMEs vanish from the sandbox of serve --dev",
    async () => (await import('./dev-sandbox.ts')).unpublishCommand,
  ),
  entry('dev clock', 'dev clock', 'the service clock of a running serve --dev', async () => (await import('./dev-clock.ts')).clockShowCommand),
  entry(
    'dev clock advance',
    'dev clock advance DURATION',
    'move the service clock of a running serve --dev forward',
    async () => (await import('./dev-clock.ts')).clockAdvanceCommand,
  ),
  entry('outbox list', 'outbox list', 'the messages sent (kept in the outbox)', async () => (await import('./outbox.ts')).outboxListCommand),
  entry('outbox show', 'outbox show MESSAGE_ID', "one message's record as JSON", async () => (await import('./outbox.ts')).outboxShowCommand),
  entry('outbox eml', 'outbox eml MESSAGE_ID', "one message's exact bytes (signature included)", async () => (await import('./outbox.ts')).outboxEmlCommand),
  entry('version', 'version', 'print the version', async () => (await import('./version.ts')).versionCommand),
];

export function globalUsage(): string {
  const lines = [
    "usage: signet <command> [options]      (signet <command> --help for a command's options)",
    '',
    'commands:',
    '  ses <operation> [options]   the Amazon SES commands of the AWS CLI v2, on the embedded store or --endpoint-url',
    "                              (the AWS CLI's global options may also come before ses)",
    '  sesv2 <operation> [options] the Amazon SES v2 commands of the AWS CLI v2 (aws sesv2), the same way',
  ];
  for (const e of COMMAND_TABLE) lines.push(`  ${e.synopsis.padEnd(28)}${e.synopsis.length >= 28 ? `\n  ${' '.repeat(28)}` : ''}${e.summary}`);
  return `${lines.join('\n')}\n`;
}

/** The usage of a group of commands (`signet admin`), or null when no command starts with `word`. */
export function groupUsage(word: string): string | null {
  const members = COMMAND_TABLE.filter((e) => e.path.length > 1 && e.path[0] === word);
  if (members.length === 0) return null;
  return [
    `usage: signet ${word} <command> [options]      (signet ${word} <command> --help for its options)`,
    ...members.map((e) => `  ${e.synopsis.padEnd(44)} ${e.summary}`),
  ].join('\n');
}
