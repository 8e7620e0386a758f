import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { ExportSigner } from './signing-key.js';

/** The manifest's format; version 2 added the signature (version 1 bundles had SHA256SUMS only). */
export const EXPORT_FORMAT = 'smart-commune-evidence-export/2';

/** Names the bundle itself uses; an exported file may not take them. */
export const BUNDLE_FILES = { manifest: 'manifest.json', signature: 'manifest.sig', publicKey: 'public-key.pem', sums: 'SHA256SUMS' } as const;
export const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.values(BUNDLE_FILES));

/**
 * One file of the evidence: streamed from disk or from the media store (media, hashed when they
 * were received; `open` is called when the zip reaches the file) or a document built now.
 */
export type BundleFile = { name: string } & ({ path: string; sha256: string; bytes: number } | { open(): Promise<Readable>; sha256: string; bytes: number } | { buffer: Buffer });

export interface SignedBundleInput {
  /** The evidence item the bundle is about (an incident, or footage requested by time, which is one too). */
  incidentId: string;
  exportedAt: number;
  exportedBy: string;
  cloudVersion: string;
  files: BundleFile[];
  signer: ExportSigner;
}

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

/**
 * A signed evidence bundle as a zip stream: the files, `manifest.json` (each file's name, size and
 * sha256, who exported what and when, the key's fingerprint), `manifest.sig` (base64 Ed25519 over
 * the manifest's exact bytes), `public-key.pem`, and `SHA256SUMS` for `sha256sum -c`. SHA256SUMS only
 * shows the files agree with each other (anyone can regenerate it); the signature shows the cloud
 * holding the key wrote the manifest, so `sc-cloud verify-export` can name any file changed since.
 * Media are stored (not deflated) and streamed from disk: their hash is the one the edge computed.
 */
export function signedBundle(input: SignedBundleInput): Readable {
  const { signer } = input;
  const names = new Set<string>();
  for (const { name } of input.files) {
    if (RESERVED_NAMES.has(name) || names.has(name) || !/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new Error(`cannot export a file named ${JSON.stringify(name)}`);
    names.add(name);
  }
  const listed: ManifestFile[] = input.files.map((file) =>
    'buffer' in file ? { name: file.name, bytes: file.buffer.length, sha256: sha256(file.buffer) } : { name: file.name, bytes: file.bytes, sha256: file.sha256 },
  );
  const manifest = Buffer.from(
    `${JSON.stringify(
      {
        format: EXPORT_FORMAT,
        incidentId: input.incidentId,
        exportedAt: new Date(input.exportedAt).toISOString(),
        exportedBy: input.exportedBy,
        cloudVersion: input.cloudVersion,
        keyFingerprint: signer.fingerprint,
        signature: { algorithm: signer.algorithm, file: BUNDLE_FILES.signature, publicKey: BUNDLE_FILES.publicKey },
        verify: `sc-cloud verify-export FILE.zip --fingerprint ${signer.fingerprint}`,
        files: listed,
      },
      null,
      2,
    )}\n`,
  );
  const signature = Buffer.from(`${signer.sign(manifest).toString('base64')}\n`);
  const publicKey = Buffer.from(signer.publicKeyPem);
  const sums = [...listed, { name: BUNDLE_FILES.manifest, sha256: sha256(manifest) }, { name: BUNDLE_FILES.publicKey, sha256: sha256(publicKey) }]
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');

  const mtime = new Date(input.exportedAt);
  const zip = new ZipFile();
  for (const file of input.files) {
    if ('buffer' in file) zip.addBuffer(file.buffer, file.name, { mtime });
    else if ('path' in file) zip.addFile(file.path, file.name, { mtime, compress: false });
    else {
      const { open } = file;
      // size given: yazl refuses a stream of another length, so the zip cannot claim bytes it lacks
      zip.addReadStreamLazy(file.name, { mtime, compress: false, size: file.bytes }, (done) => {
        open().then((stream) => done(null, stream), (err: unknown) => done(err, undefined as never));
      });
    }
  }
  zip.addBuffer(manifest, BUNDLE_FILES.manifest, { mtime });
  zip.addBuffer(signature, BUNDLE_FILES.signature, { mtime });
  zip.addBuffer(publicKey, BUNDLE_FILES.publicKey, { mtime });
  zip.addBuffer(Buffer.from(sums), BUNDLE_FILES.sums, { mtime });
  zip.end();
  return zip.outputStream as Readable;
}
