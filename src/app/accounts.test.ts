import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test/support/app-context.ts';
import { SeededRandom } from '../../test/support/random.ts';
import { isDomainError, LOCAL_ACCOUNT_ID } from '../core/index.ts';
import { accessKeyContext, bootstrapAccount, createAccessKey, createAccount, deleteAccessKey, listAccounts, resolveAccessKey } from './accounts.ts';
import { CachedAccountStore } from './cached-account-store.ts';

describe('accounts and access keys', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it('the first start creates the local account and one key; later starts create nothing', async () => {
    const key = await bootstrapAccount(app.accounts);
    assert.ok(key);
    assert.equal(key.accountId, LOCAL_ACCOUNT_ID);
    assert.match(key.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.match(key.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    assert.equal(await bootstrapAccount(app.accounts), null);
    assert.deepEqual(
      (await listAccounts(app.accounts)).map((a) => [a.accountId, a.accessKeyIds]),
      [[LOCAL_ACCOUNT_ID, [key.accessKeyId]]],
    );
  });

  it('the secret is stored sealed under its key id, and resolves back', async () => {
    const id = await createAccount(app.accounts);
    assert.match(id, /^\d{12}$/);
    const key = await createAccessKey(app.accounts, id);
    const stored = await app.accounts.accounts.findAccessKey(key.accessKeyId);
    assert.ok(stored);
    assert.ok(!stored.sealedSecret.includes(key.secretAccessKey));
    assert.equal(app.secrets.open(stored.sealedSecret, accessKeyContext(key.accessKeyId)), key.secretAccessKey);
    // Sealed under another key's id it does not open (the AAD binds it to its record).
    assert.throws(() => app.secrets.open(stored.sealedSecret, accessKeyContext('AKIAOTHER')));
    assert.deepEqual(await resolveAccessKey(app.accounts, key.accessKeyId), { accountId: id, secretAccessKey: key.secretAccessKey });
    assert.equal(await resolveAccessKey(app.accounts, 'AKIAUNKNOWN0000000000'), null);
  });

  it('ids come from the Random port: the same seed gives the same account and key ids', async () => {
    const ids = async (seed: string) => {
      const other = await createTestApp({ seed });
      try {
        const id = await createAccount(other.accounts);
        return [id, (await createAccessKey(other.accounts, id)).accessKeyId];
      } finally {
        await other.close();
      }
    };
    assert.deepEqual(await ids('one'), await ids('one'));
    assert.notDeepEqual(await ids('one'), await ids('two'));
  });

  it('an id already taken is tried again with fresh randomness; a named one that exists is an error', async () => {
    const first = await createAccount({ ...app.accounts, random: new SeededRandom('same') });
    const second = await createAccount({ ...app.accounts, random: new SeededRandom('same') });
    assert.notEqual(first, second);
    await assert.rejects(createAccount(app.accounts, first), (err) => isDomainError(err) && /already exists/.test(err.message));
    await assert.rejects(createAccount(app.accounts, '12345'), (err) => isDomainError(err) && err.code === 'invalid_parameter');
  });

  it('keys for unknown accounts and deletion of unknown keys are errors; a deleted key no longer resolves', async () => {
    await assert.rejects(createAccessKey(app.accounts, '999999999999'), (err) => isDomainError(err) && /does not exist/.test(err.message));
    const id = await createAccount(app.accounts);
    const key = await createAccessKey(app.accounts, id);
    await deleteAccessKey(app.accounts, key.accessKeyId);
    assert.equal(await resolveAccessKey(app.accounts, key.accessKeyId), null);
    await assert.rejects(deleteAccessKey(app.accounts, key.accessKeyId), (err) => isDomainError(err) && err.code === 'invalid_parameter');
  });

  it('the cached account store forgets a key as soon as the change counter moves', async () => {
    let version = 0;
    const cached = new CachedAccountStore(app.accounts.accounts, () => version);
    const id = await createAccount(app.accounts);
    const key = await createAccessKey(app.accounts, id);
    assert.ok(await cached.findAccessKey(key.accessKeyId));
    // Deleted by "another process" (straight in the store, past the cache): still cached until the counter moves.
    await app.accounts.accounts.deleteAccessKey(key.accessKeyId);
    assert.ok(await cached.findAccessKey(key.accessKeyId));
    version++;
    assert.equal(await cached.findAccessKey(key.accessKeyId), null);
  });

  // On SQLite a read outside transactions does not queue behind a write sent before it (it reads on a
  // connection of its own), and the change counter does not move for this process's own commits.
  it('the cached account store keeps nothing a lookup read while its own write was under way', async () => {
    const id = await createAccount(app.accounts);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The inner store's write waits for `held` before it commits.
    const inner = {
      ...app.accounts.accounts,
      getProductionAccess: (accountId: string) => app.accounts.accounts.getProductionAccess(accountId),
      setProductionAccess: async (accountId: string, enabled: boolean) => {
        await held;
        return app.accounts.accounts.setProductionAccess(accountId, enabled);
      },
    };
    const cached = new CachedAccountStore(inner, () => 0);
    assert.equal(await cached.getProductionAccess(id), false);
    const write = cached.setProductionAccess(id, true);
    // Read before the write commits: the old value, not kept.
    assert.equal(await cached.getProductionAccess(id), false);
    release();
    assert.equal(await write, true);
    assert.equal(await cached.getProductionAccess(id), true);
  });
});
