import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { assertSharedSecrets, configuredServicePassword, missingSharedSecrets } from './shared-secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'sc-shared-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyFile = join(dir, 'export.pem');
writeFileSync(keyFile, 'a key file (its content is checked where it is loaded)');
const DB = 'postgres://sc@127.0.0.1:5432/sc';
const complete = {
  SC_DATABASE_URL: DB,
  SC_SERVICE_PASSWORD: 'a-service-password-of-24c',
  SC_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
  SC_EXPORT_SIGNING_KEY_FILE: keyFile,
  SC_VAPID_PUBLIC_KEY: 'p'.repeat(87),
  SC_VAPID_PRIVATE_KEY: 'k'.repeat(43),
};

describe('secrets every cloud process must share', () => {
  it('asks nothing of one process on SQLite (it generates its own at the first start)', () => {
    expect(missingSharedSecrets({})).toEqual([]);
  });

  it('with SC_DATABASE_URL names every one missing, and none when all are given', () => {
    const missing = missingSharedSecrets({ SC_DATABASE_URL: DB });
    expect(missing).toHaveLength(4);
    expect(missing.join('\n')).toMatch(/SC_SERVICE_PASSWORD[\s\S]*SC_SECRET_KEY[\s\S]*SC_EXPORT_SIGNING_KEY_FILE[\s\S]*SC_VAPID_PUBLIC_KEY and SC_VAPID_PRIVATE_KEY/);
    expect(missingSharedSecrets(complete)).toEqual([]);
    expect(() => assertSharedSecrets({ SC_DATABASE_URL: DB })).toThrow(ConfigError);
  });

  it('takes a named key file only if it exists, half a VAPID pair as missing, and no service password with an external broker', () => {
    expect(missingSharedSecrets({ ...complete, SC_SECRET_KEY: undefined, SC_SECRET_KEY_FILE: join(dir, 'none.key') })).toEqual([
      expect.stringContaining(`SC_SECRET_KEY_FILE: the file ${join(dir, 'none.key')} does not exist`),
    ]);
    expect(missingSharedSecrets({ ...complete, SC_VAPID_PRIVATE_KEY: undefined })).toEqual([expect.stringContaining('SC_VAPID_PUBLIC_KEY and SC_VAPID_PRIVATE_KEY')]);
    expect(missingSharedSecrets({ ...complete, SC_SERVICE_PASSWORD: undefined, SC_MQTT_URL: 'mqtt://cloud:pw@127.0.0.1:1883' })).toEqual([]);
    expect(missingSharedSecrets({ ...complete, SC_SERVICE_PASSWORD: undefined })).toEqual([expect.stringContaining('SC_SERVICE_PASSWORD')]);
  });

  it('reads the service password from its variable or its file, refusing a short one', () => {
    expect(configuredServicePassword({})).toBeNull();
    expect(configuredServicePassword({ SC_SERVICE_PASSWORD: 'x'.repeat(20) })).toBe('x'.repeat(20));
    const file = join(dir, 'service.txt');
    writeFileSync(file, 'from-the-file-0123456789\n');
    expect(configuredServicePassword({ SC_SERVICE_PASSWORD_FILE: file })).toBe('from-the-file-0123456789');
    writeFileSync(file, 'short\n');
    expect(() => configuredServicePassword({ SC_SERVICE_PASSWORD_FILE: file })).toThrow(/at least 16 characters/);
    expect(() => configuredServicePassword({ SC_SERVICE_PASSWORD_FILE: join(dir, 'absent') })).toThrow(/SC_SERVICE_PASSWORD_FILE: cannot read/);
  });
});
