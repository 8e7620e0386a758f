import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseArch } from '@smart-commune/shared';
import type { PlacedPackage } from './dependencies.js';

/** One file of a bundle: where it goes and where it comes from. */
export interface BundleSource {
  path: string;
  from: string;
  size: number;
  executable: boolean;
}

/** What of an installed package a box needs, per package: the heavy native ones keep only their build for this CPU. */
function keepFile(pkg: PlacedPackage, rel: string, arch: ReleaseArch): boolean {
  if (rel.startsWith('node_modules/') || rel === 'node_modules') return false; // nested packages are placed on their own
  if (pkg.name === 'better-sqlite3') return rel === 'package.json' || rel.startsWith('lib/') || rel === 'build/Release/better_sqlite3.node' || rel === 'LICENSE';
  if (pkg.name === 'onnxruntime-node') {
    const m = /^bin\/napi-v\d+\/([^/]+)\/([^/]+)\//.exec(rel);
    if (m) return m[1] === 'linux' && m[2] === arch;
  }
  return true;
}

/** Files of a workspace package: its package.json, bin/, the build (dist/ without build info) and the non-TypeScript files read from src/ at run time (assets, word lists). */
function keepWorkspaceFile(rel: string): boolean {
  if (rel === 'package.json') return true;
  if (rel.startsWith('bin/')) return true;
  if (rel.startsWith('dist/')) return !rel.endsWith('.tsbuildinfo') && !rel.endsWith('.d.ts') && !rel.endsWith('.d.ts.map') && !/\.test\.js(\.map)?$/.test(rel);
  if (rel.startsWith('src/')) return !rel.endsWith('.ts') && !rel.endsWith('.md');
  return false;
}

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    if (path === 'node_modules' || name === '.bin') continue;
    const st = lstatSync(join(dir, path));
    if (st.isDirectory()) out.push(...walk(dir, path));
    else if (st.isFile()) out.push(path);
    else if (st.isSymbolicLink()) {
      const target = statSync(join(dir, path), { throwIfNoEntry: false });
      if (target?.isFile()) out.push(path); // the bundle holds files only: a link to a file becomes a copy
    }
  }
  return out;
}

export function bundleSources(packages: PlacedPackage[], arch: ReleaseArch): BundleSource[] {
  const sources: BundleSource[] = [];
  for (const pkg of packages) {
    for (const rel of walk(pkg.realDir)) {
      if (pkg.workspace ? !keepWorkspaceFile(rel) : !keepFile(pkg, rel, arch)) continue;
      const from = join(pkg.realDir, rel);
      const st = statSync(from);
      sources.push({ path: pkg.bundlePath ? `${pkg.bundlePath}/${rel}` : rel, from, size: st.size, executable: (st.mode & 0o111) !== 0 });
    }
  }
  return sources.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const ELF_MACHINE: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'arm', 0x03: 'ia32' };

/** The CPU an ELF file (a native addon, a shared library) is built for, or null when it is not ELF. */
export function elfArch(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(20);
    if (readSync(fd, head, 0, 20, 0) < 20 || head.readUInt32BE(0) !== 0x7f454c46) return null;
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
    return ELF_MACHINE[machine] ?? `machine ${machine}`;
  } finally {
    closeSync(fd);
  }
}

/**
 * A bundle for one CPU must carry native code for that CPU only: every ELF file is checked, and the
 * three native packages the daemons load must be there. Throws naming the first wrong file.
 */
export function checkNativeFiles(sources: BundleSource[], arch: ReleaseArch, required: { what: string; path: RegExp }[]): { nativeFiles: number } {
  let nativeFiles = 0;
  for (const s of sources) {
    if (!/\.node$|\.so(\.\d+)*$/.test(s.path)) continue;
    const found = elfArch(s.from);
    if (found === null) continue;
    nativeFiles++;
    if (found !== arch) {
      throw new Error(`${s.path} is native code for ${found}, not ${arch}: build the ${arch} bundle on an ${arch} machine (after npm ci there)`);
    }
  }
  for (const need of required) {
    if (!sources.some((s) => need.path.test(s.path))) throw new Error(`the bundle lacks ${need.what} for ${arch}: run npm ci on an ${arch} machine`);
  }
  return { nativeFiles };
}
