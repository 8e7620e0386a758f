import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { BUNDLE_FILES, EXPORT_FORMAT, RESERVED_NAMES } from './signed-bundle.js';
import { publicKeyFingerprint } from './signing-key.js';
import { readZipEntries, ZipReadError, type ZipLimits } from './zip-entries.js';

/** One thing wrong with a bundle, said for the commune (Vietnamese) and for anyone else (English). */
export interface Problem {
  vi: string;
  en: string;
}

export interface VerifyOptions {
  /** The cloud's public key (PEM) to trust instead of the bundle's own public-key.pem. */
  publicKeyPem?: string;
  /** The fingerprint (hex SHA-256 of the DER key) the signing key must have, as the cloud's health page shows it. */
  fingerprint?: string;
  limits?: ZipLimits;
}

export interface VerifyReport {
  ok: boolean;
  problems: Problem[];
  /** The key the signature was checked with, and whether it was pinned by the caller or only the bundle's own. */
  key: { fingerprint: string; pinned: boolean } | null;
  manifest: Manifest | null;
  /** The files the manifest lists, with their size, when they all matched. */
  files: { name: string; bytes: number }[];
}

const manifestSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  incidentId: z.string().max(200),
  exportedAt: z.string().max(40),
  exportedBy: z.string().max(200),
  cloudVersion: z.string().max(100),
  keyFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  files: z
    .array(z.object({ name: z.string().min(1).max(255), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .max(1000),
});
export type Manifest = z.infer<typeof manifestSchema>;

const problem = (vi: string, en: string): Problem => ({ vi, en });

function readKey(pem: string, what: string): KeyObject | Problem {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType !== 'ed25519') return problem(`${what}: không phải khóa Ed25519`, `${what}: not an Ed25519 key (${key.asymmetricKeyType})`);
    return key;
  } catch (err) {
    return problem(`${what}: không đọc được khóa công khai`, `${what}: not a PEM public key (${(err as Error).message})`);
  }
}

/**
 * Checks an evidence bundle offline (no database, no server): the Ed25519 signature over the exact
 * bytes of manifest.json, then every file against the signed manifest (sha256 and size), no file
 * missing, none extra. SHA256SUMS is not trusted (anyone can regenerate it); it may be present.
 * Every problem found is named, not just the first, so a recipient sees what was changed.
 */
export async function verifyExport(zipPath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const report = (key: VerifyReport['key'], manifest: Manifest | null, files: VerifyReport['files'] = []): VerifyReport => ({ ok: problems.length === 0, problems, key, manifest, files });

  let entries;
  try {
    entries = await readZipEntries(zipPath, RESERVED_NAMES, options.limits);
  } catch (err) {
    if (!(err instanceof ZipReadError)) throw err;
    problems.push(problem(err.vi, err.message));
    return report(null, null);
  }
  const byName = new Map<string, (typeof entries)[number]>();
  for (const entry of entries) {
    if (byName.has(entry.name)) problems.push(problem(`${entry.name}: xuất hiện hai lần`, `${entry.name}: appears twice in the zip`));
    byName.set(entry.name, entry);
  }
  const manifestBytes = byName.get(BUNDLE_FILES.manifest)?.content;
  const signatureText = byName.get(BUNDLE_FILES.signature)?.content?.toString('utf8').trim();
  const bundledPem = byName.get(BUNDLE_FILES.publicKey)?.content?.toString('utf8');
  if (!manifestBytes) problems.push(problem(`thiếu ${BUNDLE_FILES.manifest}`, `${BUNDLE_FILES.manifest} missing`));
  if (signatureText === undefined) problems.push(problem(`thiếu ${BUNDLE_FILES.signature}`, `${BUNDLE_FILES.signature} missing`));
  if (bundledPem === undefined && !options.publicKeyPem) problems.push(problem(`thiếu ${BUNDLE_FILES.publicKey}`, `${BUNDLE_FILES.publicKey} missing`));

  // the key: the one the caller trusts, else the bundle's own (then only a fingerprint compared by a person pins it)
  let key: KeyObject | null = null;
  const trusted = options.publicKeyPem ? readKey(options.publicKeyPem, 'khóa đưa vào / the given public key') : bundledPem !== undefined ? readKey(bundledPem, BUNDLE_FILES.publicKey) : null;
  if (trusted && 'vi' in trusted) problems.push(trusted);
  else key = trusted;
  const fingerprint = key ? publicKeyFingerprint(key) : null;
  const pinned = Boolean(options.publicKeyPem || options.fingerprint);
  if (fingerprint && options.fingerprint && fingerprint !== options.fingerprint.trim().toLowerCase().replace(/:/g, '')) {
    problems.push(problem(`khóa ký (dấu vân tay ${fingerprint}) không phải khóa mong đợi ${options.fingerprint}`, `signing key ${fingerprint} is not the expected ${options.fingerprint}`));
  }
  if (options.publicKeyPem && bundledPem !== undefined && key) {
    const bundled = readKey(bundledPem, BUNDLE_FILES.publicKey);
    if ('vi' in bundled || publicKeyFingerprint(bundled) !== fingerprint) {
      problems.push(problem(`${BUNDLE_FILES.publicKey}: không phải khóa đưa vào`, `${BUNDLE_FILES.publicKey}: not the public key given`));
    }
  }

  if (manifestBytes && signatureText !== undefined && key) {
    const signature = Buffer.from(signatureText, 'base64');
    if (signature.length !== 64 || !verify(null, manifestBytes, key, signature)) {
      problems.push(problem('chữ ký không hợp lệ: bản kê đã bị sửa hoặc không do khóa này ký', 'signature invalid: the manifest was changed or not signed by this key'));
    }
  }

  let manifest: Manifest | null = null;
  if (manifestBytes) {
    try {
      const parsed = manifestSchema.safeParse(JSON.parse(manifestBytes.toString('utf8')));
      if (parsed.success) manifest = parsed.data;
      else problems.push(problem(`${BUNDLE_FILES.manifest}: sai định dạng`, `${BUNDLE_FILES.manifest}: not a ${EXPORT_FORMAT} manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`));
    } catch {
      problems.push(problem(`${BUNDLE_FILES.manifest}: không phải JSON`, `${BUNDLE_FILES.manifest}: not JSON`));
    }
  }
  if (manifest && fingerprint && manifest.keyFingerprint !== fingerprint) {
    problems.push(problem(`bản kê ghi khóa ${manifest.keyFingerprint}, không phải khóa ${fingerprint}`, `the manifest names key ${manifest.keyFingerprint}, not ${fingerprint}`));
  }

  if (manifest) {
    const listed = new Set<string>();
    for (const file of manifest.files) {
      listed.add(file.name);
      const entry = byName.get(file.name);
      if (RESERVED_NAMES.has(file.name)) problems.push(problem(`bản kê liệt kê ${file.name}`, `the manifest lists ${file.name}, a name the bundle reserves`));
      else if (!entry) problems.push(problem(`thiếu ${file.name}`, `${file.name} missing`));
      else if (entry.sha256 !== file.sha256) problems.push(problem(`${file.name}: mã băm sha256 khác bản kê đã ký`, `${file.name}: sha256 differs from the signed manifest`));
      else if (entry.bytes !== file.bytes) problems.push(problem(`${file.name}: kích thước khác bản kê đã ký`, `${file.name}: size differs from the signed manifest (${entry.bytes} bytes, signed ${file.bytes})`));
    }
    for (const name of byName.keys()) {
      if (!listed.has(name) && !RESERVED_NAMES.has(name)) problems.push(problem(`tệp thừa ${name}`, `extra file ${name}`));
    }
  }
  return report(fingerprint ? { fingerprint, pinned } : null, manifest, manifest ? manifest.files.map(({ name, bytes }) => ({ name, bytes })) : []);
}
