import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, renameSync, rmSync, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as TarStream from 'tar-stream';
import {
  bundleFileName,
  loadPrivateKey,
  MANIFEST_FILE,
  PROTOCOL_VERSION,
  RELEASE_ARCHES,
  RELEASE_PRODUCTS,
  releaseManifestSchema,
  serializeManifest,
  SIGNATURE_FILE,
  signBytes,
  type ReleaseArch,
  type ReleaseManifest,
  type ReleaseProduct,
} from '@smart-commune/shared';
import { dependencyClosure } from './dependencies.js';
import { bundleSources, checkNativeFiles } from './files.js';

/**
 * Builds a signed release bundle of the edge or the cloud from this tree (built by tsc -b, with the
 * node_modules npm ci installed): the program, its production dependencies with their native builds
 * for the CPU, manifest.json (every file's size and sha256) and manifest.sig (Ed25519, the key file
 * given by path; the private key is read, never copied). Used by scripts/release-edge and
 * scripts/release-cloud, and by the tests that install real bundles.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// tar-stream 3 (async iteration, streamx) is a dependency of edge and cloud; the root holds tar-fs's tar-stream 2
const tar = createRequire(join(ROOT, 'edge', 'package.json'))('tar-stream') as typeof TarStream;

export interface BuildOptions {
  product: ReleaseProduct;
  version?: string;
  arch?: ReleaseArch;
  keyFile: string;
  outDir: string;
  minCloudVersion?: string;
  contractVersion?: string;
  /** Fixed build time, for reproducible bundles (default now). */
  createdAt?: string;
  log?: (line: string) => void;
}

export interface BuildResult {
  path: string;
  manifest: ReleaseManifest;
  bytes: number;
  nativeFiles: number;
}

const packageVersion = (dir: string) => (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { version: string }).version;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The product's package.json as shipped: the release's version, no dev tooling. */
function shippedPackageJson(product: ReleaseProduct, version: string): Buffer {
  const pkg = JSON.parse(readFileSync(join(ROOT, product, 'package.json'), 'utf8')) as Record<string, unknown>;
  delete pkg.devDependencies;
  delete pkg.scripts;
  return Buffer.from(`${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
}

export async function buildRelease(options: BuildOptions): Promise<BuildResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const { product } = options;
  const arch = options.arch ?? (process.arch as ReleaseArch);
  if (!RELEASE_ARCHES.includes(arch)) throw new Error(`unsupported CPU ${arch}: bundles are for ${RELEASE_ARCHES.join(', ')}`);
  if (arch !== process.arch) {
    // native packages are installed for the machine npm ci ran on; the file check below would refuse them anyway
    throw new Error(`this machine is ${process.arch}: build the ${arch} bundle on an ${arch} machine (see the operations guide, "Building releases")`);
  }
  const privateKey = loadPrivateKey(readFileSync(options.keyFile));
  const version = options.version ?? packageVersion(product);
  const packages = dependencyClosure(ROOT, join(ROOT, product));
  const sources = bundleSources(packages, arch).filter((s) => s.path !== 'package.json');
  const required = [
    { what: 'better-sqlite3', path: /^node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/ },
    { what: `sharp for linux-${arch}`, path: new RegExp(`^node_modules/@img/sharp-linux-${arch}/`) },
    ...(product === 'edge' ? [{ what: `onnxruntime-node for linux-${arch}`, path: new RegExp(`^node_modules/onnxruntime-node/bin/napi-v\\d+/linux/${arch}/`) }] : []),
  ];
  const { nativeFiles } = checkNativeFiles(sources, arch, required);
  const packageJson = shippedPackageJson(product, version);
  log(`${product} ${version} linux-${arch}: ${packages.length} packages, ${sources.length + 1} files, ${nativeFiles} native`);

  const files: ReleaseManifest['files'] = [{ path: 'package.json', size: packageJson.length, sha256: createHash('sha256').update(packageJson).digest('hex') }];
  for (const s of sources) files.push({ path: s.path, size: s.size, sha256: await sha256Of(s.from), ...(s.executable ? { executable: true } : {}) });
  const manifest = releaseManifestSchema.parse({
    format: 1,
    product,
    version,
    arch,
    minCloudVersion: options.minCloudVersion ?? packageVersion('cloud'),
    contractVersion: options.contractVersion ?? String(PROTOCOL_VERSION),
    createdAt: options.createdAt ?? new Date().toISOString(),
    entry: 'dist/cli.js',
    files,
  });
  const manifestBytes = serializeManifest(manifest);
  const signature = Buffer.from(`${JSON.stringify(signBytes(manifestBytes, privateKey))}\n`);

  mkdirSync(options.outDir, { recursive: true });
  const path = join(resolve(options.outDir), bundleFileName(product, version, arch));
  const tmp = `${path}.${process.pid}.partial`;
  const mtime = new Date(manifest.createdAt);
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(tmp));
  const put = (name: string, body: Buffer) =>
    new Promise<void>((ok, fail) => pack.entry({ name, size: body.length, mode: 0o644, mtime }, body, (err) => (err ? fail(err) : ok())));
  try {
    await put(MANIFEST_FILE, manifestBytes);
    await put(SIGNATURE_FILE, signature);
    await put('package.json', packageJson);
    const byPath = new Map(files.map((f) => [f.path, f]));
    for (const s of sources) {
      const expected = byPath.get(s.path)!;
      const hash = createHash('sha256');
      const entry = pack.entry({ name: s.path, size: s.size, mode: s.executable ? 0o755 : 0o644, mtime });
      await pipeline(
        createReadStream(s.from),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const c of chunks) {
            hash.update(c);
            yield c;
          }
        },
        entry,
      );
      // a file changed between hashing and packing would make a bundle every box refuses: stop here instead
      if (hash.digest('hex') !== expected.sha256) throw new Error(`${s.from} changed while the bundle was being built`);
    }
    pack.finalize();
    await writing;
    renameSync(tmp, path);
  } catch (err) {
    pack.destroy();
    await writing.catch(() => undefined);
    rmSync(tmp, { force: true });
    throw err;
  }
  const bytes = files.reduce((n, f) => n + f.size, 0);
  log(`wrote ${path} (${(bytes / 1024 / 1024).toFixed(1)} MB of files)`);
  return { path, manifest, bytes, nativeFiles };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      product: { type: 'string' },
      version: { type: 'string' },
      arch: { type: 'string' },
      key: { type: 'string' },
      out: { type: 'string' },
      'min-cloud-version': { type: 'string' },
      'contract-version': { type: 'string' },
    },
  });
  const product = values.product as ReleaseProduct;
  if (!RELEASE_PRODUCTS.includes(product)) throw new Error(`--product must be ${RELEASE_PRODUCTS.join(' or ')}`);
  const keyFile = values.key ?? process.env.SC_RELEASE_KEY_FILE;
  if (!keyFile) throw new Error('give the signing key: --key FILE or SC_RELEASE_KEY_FILE (make one with scripts/release-keys keygen)');
  const result = await buildRelease({
    product,
    keyFile,
    outDir: values.out ?? join(ROOT, 'release-out'),
    ...(values.version ? { version: values.version } : {}),
    ...(values.arch ? { arch: values.arch as ReleaseArch } : {}),
    ...(values['min-cloud-version'] ? { minCloudVersion: values['min-cloud-version'] } : {}),
    ...(values['contract-version'] ? { contractVersion: values['contract-version'] } : {}),
  });
  console.log(result.path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`release: ${(err as Error).message}`);
    process.exit(2);
  });
}
