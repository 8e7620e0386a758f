import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateReleaseKeyPair, loadPrivateKey, releasePublicKeySchema, signKeyRotation, type ReleasePublicKey } from '@smart-commune/shared';

/**
 * The province's release keys (scripts/release-keys):
 *   keygen --out DIR [--name NAME]   a new Ed25519 keypair: NAME.key (private, 0600, keep it off the repo
 *                                    and off the boxes) and NAME.pub.json (what the cloud and boxes trust)
 *   rotate --key CURRENT.key --sequence N --public NEW.pub.json [--public …] --out MESSAGE.json
 *                                    a key-rotation message signed with a current key: boxes that apply it
 *                                    trust exactly the listed keys from then on
 */
function keygen(outDir: string, name: string): void {
  const keyPath = join(outDir, `${name}.key`);
  const pubPath = join(outDir, `${name}.pub.json`);
  if (existsSync(keyPath)) throw new Error(`${keyPath} exists: a signing key is never overwritten`);
  const { privateKeyPem, publicKey } = generateReleaseKeyPair();
  writeFileSync(keyPath, privateKeyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(pubPath, `${JSON.stringify(publicKey, null, 2)}\n`);
  console.log(`private key: ${keyPath} (keep it offline; it signs every release)`);
  console.log(`public key:  ${pubPath} (keyId ${publicKey.keyId}; give it to the cloud as SC_RELEASE_KEYS_FILE)`);
}

function rotate(keyFile: string, sequence: number, publicFiles: string[], out: string): void {
  if (!Number.isInteger(sequence) || sequence < 1) throw new Error('--sequence must be a whole number above the boxes\' current one (1 for the first rotation)');
  if (publicFiles.length === 0) throw new Error('give the keys to trust from now on with --public FILE (one or more)');
  const keys: ReleasePublicKey[] = publicFiles.map((f) => releasePublicKeySchema.parse(JSON.parse(readFileSync(f, 'utf8'))));
  const message = signKeyRotation({ type: 'sc-release-keys', sequence, issuedAt: new Date().toISOString(), keys }, loadPrivateKey(readFileSync(keyFile)));
  writeFileSync(out, `${JSON.stringify(message, null, 2)}\n`);
  console.log(`${out}: sequence ${sequence}, trusting ${keys.map((k) => k.keyId).join(', ')}, signed by ${message.signature.keyId}`);
}

function main(): void {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: { out: { type: 'string' }, name: { type: 'string' }, key: { type: 'string' }, sequence: { type: 'string' }, public: { type: 'string', multiple: true } },
  });
  if (command === 'keygen') return keygen(resolve(values.out ?? '.'), values.name ?? 'release');
  if (command === 'rotate') {
    if (!values.key || !values.out) throw new Error('rotate needs --key CURRENT.key and --out MESSAGE.json');
    return rotate(values.key, Number(values.sequence), values.public ?? [], values.out);
  }
  throw new Error('usage: scripts/release-keys keygen --out DIR [--name NAME] | rotate --key FILE --sequence N --public FILE… --out FILE');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`release-keys: ${(err as Error).message}`);
    process.exit(2);
  }
}
