import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AwsConfig } from './config.ts';

test("a profile's keys in the credentials file count as botocore merges them (region included), over the config file's", () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-awsconfig-'));
  try {
    writeFileSync(join(dir, 'config'), '[profile signet]\nregion = us-west-2\noutput = text\n[profile other]\nregion = ap-south-1\n');
    writeFileSync(
      join(dir, 'credentials'),
      '[signet]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\nregion = eu-west-1\n[solo]\naws_access_key_id = A\naws_secret_access_key = B\nregion = sa-east-1\n',
    );
    const env = { HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
    const signet = new AwsConfig(env, 'signet');
    assert.equal(signet.get('region'), 'eu-west-1');
    assert.equal(signet.get('output'), 'text');
    assert.equal(new AwsConfig(env, 'solo').get('region'), 'sa-east-1');
    assert.equal(new AwsConfig(env, 'other').get('region'), 'ap-south-1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
