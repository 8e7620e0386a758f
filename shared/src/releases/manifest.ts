import { z } from 'zod';

/**
 * A release bundle's manifest (`manifest.json` at the root of the tar). It names every file of the
 * release with its size and sha256, so a box or the cloud can tell a complete, untouched bundle
 * from anything else; `manifest.sig` signs its exact bytes (see signing.ts).
 */

export const RELEASE_PRODUCTS = ['edge', 'cloud'] as const;
export type ReleaseProduct = (typeof RELEASE_PRODUCTS)[number];
export const RELEASE_ARCHES = ['x64', 'arm64'] as const;
export type ReleaseArch = (typeof RELEASE_ARCHES)[number];

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
/** Bounds on what a box or the cloud reads before trusting anything. */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
export const MAX_SIGNATURE_BYTES = 4096;
export const MAX_RELEASE_FILES = 200_000;

/** Semantic version as npm writes it (1.4.0, 1.5.0-rc.1); also a directory name on the box, hence the bounds. */
export const releaseVersionSchema = z
  .string()
  .max(64)
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.4.0 or 1.5.0-rc.1');

/** The MQTT contract's version a release speaks: "1", "1.2" or "1.2.0". */
export const contractVersionSchema = z.string().max(32).regex(/^\d+(?:\.\d+){0,2}$/, 'must look like 1, 1.2 or 1.2.0');

/** Why a file path is not acceptable inside a release, or null. Paths are relative, POSIX, without `.`/`..`. */
export function releasePathProblem(path: string): string | null {
  if (path.length === 0 || path.length > 1024) return 'must have 1 to 1024 characters';
  if (path.startsWith('/')) return 'must be relative';
  if (path.includes('\\') || path.includes('\0')) return 'must not contain a backslash or NUL';
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'must not contain empty, "." or ".." segments';
  if (path === MANIFEST_FILE || path === SIGNATURE_FILE) return `is reserved for the bundle's ${path}`;
  return null;
}

export const releaseFilePathSchema = z.string().superRefine((path, ctx) => {
  const problem = releasePathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `file path "${path.slice(0, 200)}" ${problem}` });
});

export const manifestFileSchema = z.object({
  path: releaseFilePathSchema,
  size: z.number().int().min(0).max(4 * 1024 ** 3),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  /** Installed with the executable bit (a few native helpers); absent = 0644. */
  executable: z.boolean().optional(),
});
export type ManifestFile = z.infer<typeof manifestFileSchema>;

export const releaseManifestSchema = z
  .object({
    /** Format of this manifest; readers refuse a format they do not know rather than guess. */
    format: z.literal(1),
    product: z.enum(RELEASE_PRODUCTS),
    version: releaseVersionSchema,
    arch: z.enum(RELEASE_ARCHES),
    /** The oldest cloud this release works with (an edge bundle), or itself (a cloud bundle). */
    minCloudVersion: releaseVersionSchema,
    contractVersion: contractVersionSchema,
    createdAt: z.string().datetime(),
    /** Command to run, relative to the release directory: the daemon's (edge) or server's (cloud) CLI. */
    entry: releaseFilePathSchema,
    files: z.array(manifestFileSchema).min(1).max(MAX_RELEASE_FILES),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const f of m.files) {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files'], message: `file "${f.path}" is listed twice` });
      seen.add(f.path);
    }
    if (!seen.has(m.entry)) ctx.addIssue({ code: 'custom', path: ['entry'], message: `entry "${m.entry}" is not one of the files` });
  });
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

/** `smart-commune-edge-1.4.0-linux-arm64.tar`: the one name a bundle has everywhere (script, cloud, box). */
export function bundleFileName(product: ReleaseProduct, version: string, arch: ReleaseArch): string {
  return `smart-commune-${product}-${version}-linux-${arch}.tar`;
}
