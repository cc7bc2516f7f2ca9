/**
 * The embedded default: with no endpoint and no credentials, in a fresh HOME, `signet ses` serves the
 * request in-process against the data folder. A new user's first verify-domain-dkim prints three
 * tokens, and asking again prints the same three.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSignet } from './helpers/cli-golden.ts';

function freshEnv(home: string): Record<string, string> {
  // Nothing AWS-related: no credentials, no region, no config files, no endpoint.
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C.UTF-8' };
}

test('verify-domain-dkim with no endpoint and no credentials prints the same three tokens twice', async () => {
  const home = mkdtempSync(join(tmpdir(), 'signet-embedded-'));
  try {
    const argv = ['ses', 'verify-domain-dkim', '--domain', 'example.com'];
    const first = await runSignet(argv, freshEnv(home), home);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stderr, '');
    const parsed = JSON.parse(first.stdout.toString()) as { DkimTokens: string[] };
    assert.deepEqual(Object.keys(parsed), ['DkimTokens']);
    assert.equal(parsed.DkimTokens.length, 3);
    for (const t of parsed.DkimTokens) assert.match(t, /^[a-z0-9]{32}$/);
    assert.equal(new Set(parsed.DkimTokens).size, 3);
    assert.ok(existsSync(join(home, '.signet')), 'the data folder defaults to ~/.signet');

    const second = await runSignet(argv, freshEnv(home), home);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.toString(), first.stdout.toString());

    // The other formats and operations read the same store.
    const text = await runSignet([...argv, '--output', 'text'], freshEnv(home), home);
    assert.equal(text.stdout.toString(), parsed.DkimTokens.map((t) => `DKIMTOKENS\t${t}\n`).join(''));
    const list = await runSignet(['ses', 'list-identities', '--query', 'Identities'], freshEnv(home), home);
    assert.equal(list.stdout.toString(), '[\n    "example.com"\n]\n');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the embedded store honours the region of the credential scope when credentials exist', async () => {
  const home = mkdtempSync(join(tmpdir(), 'signet-embedded-'));
  try {
    const env = { ...freshEnv(home), AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const add = await runSignet(['ses', 'verify-email-identity', '--email-address', 'a@example.com', '--region', 'eu-west-1'], env, home);
    assert.equal(add.status, 0, add.stderr);
    assert.equal(add.stdout.toString(), '');
    const there = await runSignet(['ses', 'list-identities', '--region', 'eu-west-1', '--output', 'text'], env, home);
    assert.equal(there.stdout.toString(), 'IDENTITIES\ta@example.com\n');
    const elsewhere = await runSignet(['ses', 'list-identities', '--region', 'us-east-1', '--output', 'text'], env, home);
    assert.equal(elsewhere.stdout.toString(), '');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('sesv2 with no endpoint and no credentials: create-email-identity and get-email-identity print the same three tokens, as v1 does', async () => {
  const home = mkdtempSync(join(tmpdir(), 'signet-embedded-'));
  try {
    const created = await runSignet(['sesv2', 'create-email-identity', '--email-identity', 'example.com'], freshEnv(home), home);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.stderr, '');
    const c = JSON.parse(created.stdout.toString()) as { IdentityType: string; DkimAttributes: { Tokens: string[]; Status: string } };
    assert.equal(c.IdentityType, 'DOMAIN');
    assert.equal(c.DkimAttributes.Status, 'PENDING');
    const tokens = c.DkimAttributes.Tokens;
    assert.equal(tokens.length, 3);
    for (const t of tokens) assert.match(t, /^[a-z0-9]{32}$/);
    assert.equal(new Set(tokens).size, 3);

    const got = await runSignet(
      ['sesv2', 'get-email-identity', '--email-identity', 'example.com', '--query', 'DkimAttributes.Tokens', '--output', 'text'],
      freshEnv(home),
      home,
    );
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout.toString(), `${tokens.join('\t')}\n`);

    // v1 reads the same store: the same tokens, the same status.
    const v1 = await runSignet(['ses', 'get-identity-dkim-attributes', '--identities', 'example.com'], freshEnv(home), home);
    assert.equal(v1.status, 0, v1.stderr);
    const attrs = (
      JSON.parse(v1.stdout.toString()) as { DkimAttributes: Record<string, { DkimEnabled: boolean; DkimVerificationStatus: string; DkimTokens: string[] }> }
    ).DkimAttributes['example.com']!;
    assert.deepEqual(attrs, { DkimEnabled: true, DkimVerificationStatus: 'Pending', DkimTokens: tokens });

    // And what v1 made, v2 shows.
    const made = await runSignet(['ses', 'verify-domain-dkim', '--domain', 'example.org', '--query', 'DkimTokens', '--output', 'text'], freshEnv(home), home);
    assert.equal(made.status, 0, made.stderr);
    const shown = await runSignet(
      ['sesv2', 'get-email-identity', '--email-identity', 'example.org', '--query', 'DkimAttributes.Tokens', '--output', 'text'],
      freshEnv(home),
      home,
    );
    assert.equal(shown.stdout.toString(), made.stdout.toString());

    // A service error in process reads as over HTTP (exit 254, the v2 code and message).
    const missing = await runSignet(['sesv2', 'get-email-identity', '--email-identity', 'nope.example'], freshEnv(home), home);
    assert.equal(missing.status, 254);
    assert.equal(
      missing.stderr,
      '\nAn error occurred (NotFoundException) when calling the GetEmailIdentity operation: Email identity nope.example does not exist.\n',
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
