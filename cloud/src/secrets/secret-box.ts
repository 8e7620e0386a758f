import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** An AES-256 key and its id: the first 12 hex digits of its SHA-256, enough to tell keys apart, useless to find one. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format version 1: AES-256-GCM, 96-bit random IV, 128-bit tag, the header as additional data. */
const PREFIX = 'enc:v1:';
const SEALED = /^enc:v1:([0-9a-f]{12}):([A-Za-z0-9_-]+)$/;

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

export function secretKeyFromBase64(text: string, name: string): SecretKey {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`${name} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`), not ${key.length} bytes`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

export const newSecretKeyBase64 = () => randomBytes(KEY_BYTES).toString('base64');

/**
 * Secrets kept at rest encrypted, as `enc:v1:<key id>:<base64url of IV, ciphertext and tag>`: the
 * key id says which key opens a value, so a new key can be brought in while the previous ones still
 * open what they sealed, until everything is sealed again with the new one.
 */
export class SecretBox {
  private readonly keys: Map<string, SecretKey>;

  constructor(
    readonly current: SecretKey,
    previous: readonly SecretKey[] = [],
  ) {
    this.keys = new Map([...previous, current].map((k) => [k.id, k]));
  }

  static isSealed(value: string): boolean {
    return SEALED.test(value);
  }

  seal(plain: string): string {
    const header = `${PREFIX}${this.current.id}:`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv).setAAD(Buffer.from(header));
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${header}${sealed.toString('base64url')}`;
  }

  open(value: string): string {
    const match = SEALED.exec(value);
    if (!match) throw new SecretKeyError('not an encrypted value');
    const [, id, data] = match as unknown as [string, string, string];
    const secret = this.keys.get(id);
    if (!secret) throw new SecretKeyError(`a value was encrypted with key ${id}, which is neither the current key (${this.current.id}) nor one of the previous keys given (SC_SECRET_KEY_PREVIOUS)`);
    const bytes = Buffer.from(data, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretKeyError(`an encrypted value of key ${id} is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', secret.key, bytes.subarray(0, IV_BYTES)).setAAD(Buffer.from(`${PREFIX}${id}:`));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`an encrypted value of key ${id} does not decrypt: it was altered`);
    }
  }

  /** The value sealed with the current key: clear text sealed, another key's value opened and sealed again; null when it already is. */
  resealed(value: string): string | null {
    const match = SEALED.exec(value);
    if (match?.[1] === this.current.id) return null;
    return this.seal(match ? this.open(value) : value);
  }
}
