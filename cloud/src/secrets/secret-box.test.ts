import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64, SecretKeyError } from './secret-box.js';
import { loadCloudConfig } from '../config.js';
import { loadSecretBox } from './secret-keys.js';

const keyA = secretKeyFromBase64(newSecretKeyBase64(), 'A');
const keyB = secretKeyFromBase64(newSecretKeyBase64(), 'B');

describe('SecretBox', () => {
  it('seals with AES-256-GCM under a version and key id prefix, a fresh IV each time, and opens it again', () => {
    const box = new SecretBox(keyA);
    const sealed = box.seal('Mật-khẩu camera #1');
    expect(sealed).toMatch(new RegExp(`^enc:v1:${keyA.id}:[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain('camera');
    expect(box.seal('Mật-khẩu camera #1')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('Mật-khẩu camera #1');
    expect(box.open(box.seal(''))).toBe('');
    expect(SecretBox.isSealed(sealed)).toBe(true);
    expect(SecretBox.isSealed('Mật-khẩu camera #1')).toBe(false);
  });

  it('refuses an altered value, its key id swapped, or one sealed by a key it was not given', () => {
    const box = new SecretBox(keyA, [keyB]);
    const sealed = box.seal('admin123');
    const data = sealed.slice(sealed.lastIndexOf(':') + 1);
    const flipped = Buffer.from(data, 'base64url');
    flipped[20]! ^= 1;
    expect(() => box.open(`enc:v1:${keyA.id}:${flipped.toString('base64url')}`)).toThrow(/altered/);
    expect(() => box.open(`enc:v1:${keyB.id}:${data}`)).toThrow(/altered/);
    expect(() => new SecretBox(keyB).open(sealed)).toThrow(new RegExp(`key ${keyA.id}, which is neither the current key \\(${keyB.id}\\)`));
    expect(() => box.open('admin123')).toThrow(SecretKeyError);
  });

  it('seals again with the current key what is clear or was sealed by a previous key, and leaves what the current key sealed', () => {
    const old = new SecretBox(keyA);
    const rotated = new SecretBox(keyB, [keyA]);
    const byOld = old.seal('p1');
    const again = rotated.resealed(byOld)!;
    expect(again).toContain(`:${keyB.id}:`);
    expect(new SecretBox(keyB).open(again)).toBe('p1');
    expect(rotated.resealed(again)).toBeNull();
    expect(new SecretBox(keyB).open(rotated.resealed('clear')!)).toBe('clear');
  });

  it('takes only 32-byte keys', () => {
    expect(() => secretKeyFromBase64(Buffer.alloc(16).toString('base64'), 'SC_SECRET_KEY')).toThrow('SC_SECRET_KEY must be 32 bytes in base64');
  });
});

describe('loadSecretBox', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-keys-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = { SC_DATA_DIR: dataDir, SC_SECRET_KEY: undefined, SC_SECRET_KEY_FILE: undefined, SC_SECRET_KEY_PREVIOUS: undefined };

  it('generates a key file 0600 in a 0700 directory beside the database, whatever the umask, and reads it again next time', () => {
    const umask = process.umask(0o022);
    try {
      const first = loadSecretBox(config);
      const file = join(dataDir, 'keys', 'secret.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
      expect(secretKeyFromBase64(readFileSync(file, 'utf8'), 'file').id).toBe(first.current.id);
      expect(loadSecretBox(config).current.id).toBe(first.current.id);
    } finally {
      process.umask(umask);
    }
  });

  it('is refused at configuration when a key given is not 32 bytes in base64, naming the variable', () => {
    expect(() => loadCloudConfig({ SC_SECRET_KEY: 'c2hvcnQ=' })).toThrow(/SC_SECRET_KEY: must be 32 bytes in base64/);
    expect(() => loadCloudConfig({ SC_SECRET_KEY_PREVIOUS: `${newSecretKeyBase64()},abc` })).toThrow(/SC_SECRET_KEY_PREVIOUS: each key/);
  });

  it('prefers SC_SECRET_KEY, and opens with the previous keys', () => {
    const a = newSecretKeyBase64();
    const b = newSecretKeyBase64();
    const sealedByA = loadSecretBox({ ...config, SC_SECRET_KEY: a }).seal('x');
    const box = loadSecretBox({ ...config, SC_SECRET_KEY: b, SC_SECRET_KEY_PREVIOUS: ` ${newSecretKeyBase64()},${a} ` });
    expect(box.current.id).toBe(secretKeyFromBase64(b, 'b').id);
    expect(box.open(sealedByA)).toBe('x');
  });
});
