import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/**
 * The production dependency closure of one workspace package, laid out for a bundle whose root is that
 * package: every package found by Node's resolution from the repository's installed node_modules
 * (the versions package-lock.json pinned, native builds included), placed so that Node's resolution
 * inside the bundle finds the same copy. No network, no npm: the tree scripts/lib/setup.sh installed.
 */
export interface PlacedPackage {
  /** Where it goes in the bundle: '' for the root package, else node_modules/…. */
  bundlePath: string;
  /** Where its files are on disk. */
  realDir: string;
  name: string;
  /** A workspace package (its package.json and build only) rather than an installed one. */
  workspace: boolean;
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readPackage = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** Node's lookup: <dir>/node_modules/<name>, then each parent's. Returns the path as found (symlink kept). */
function resolveFrom(dir: string, name: string, stopAt: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === stopAt || dirname(d) === d) return null;
  }
}

export function dependencyClosure(repoRoot: string, packageDir: string): PlacedPackage[] {
  const modulesRoot = repoRoot;
  const edges: { from: PlacedPackage; name: string; realDir: string }[] = [];
  const placed = new Map<string, PlacedPackage>(); // bundlePath → package
  const root: PlacedPackage = { bundlePath: '', realDir: packageDir, name: readPackage(packageDir).name, workspace: true };
  placed.set('', root);
  const queue: PlacedPackage[] = [root];

  /** The bundle path a package found at `found` naturally takes: its path below the outermost node_modules. */
  const naturalPath = (found: string): string => {
    const rel = relative(modulesRoot, found).split(sep).join('/');
    const at = rel.indexOf('node_modules/');
    return rel.slice(at);
  };

  /** Where Node, starting at `fromBundlePath`, would find `name` in the bundle as placed so far. */
  const resolveInBundle = (fromBundlePath: string, name: string): PlacedPackage | null => {
    let d = fromBundlePath;
    for (;;) {
      const p = placed.get(d ? `${d}/node_modules/${name}` : `node_modules/${name}`);
      if (p) return p;
      if (!d) return null;
      const up = d.lastIndexOf('/node_modules/');
      d = up < 0 ? '' : d.slice(0, up);
    }
  };

  while (queue.length > 0) {
    const pkg = queue.shift()!;
    const manifest = readPackage(pkg.realDir);
    const deps = { ...manifest.optionalDependencies, ...manifest.dependencies };
    const searchFrom = pkg.workspace && pkg.bundlePath === '' ? packageDir : pkg.realDir;
    for (const name of Object.keys(deps).sort()) {
      const found = resolveFrom(searchFrom, name, repoRoot);
      if (!found) {
        if (manifest.optionalDependencies?.[name]) continue; // another platform's optional package
        throw new Error(`${manifest.name} needs ${name}, which is not installed: run npm ci first`);
      }
      const realDir = realpathSync(found);
      edges.push({ from: pkg, name, realDir });
      const existing = resolveInBundle(pkg.bundlePath, name);
      if (existing) {
        if (existing.realDir === realDir) continue;
      }
      let bundlePath = naturalPath(found);
      const clash = placed.get(bundlePath);
      if ((clash && clash.realDir !== realDir) || (existing && existing.realDir !== realDir)) {
        // another copy of that name is already where Node would look: nest this one under its dependent
        bundlePath = pkg.bundlePath ? `${pkg.bundlePath}/node_modules/${name}` : `node_modules/${name}`;
        if (placed.get(bundlePath)?.realDir === realDir) continue;
        if (placed.has(bundlePath)) throw new Error(`cannot place ${name} for ${manifest.name}: two copies compete for ${bundlePath}`);
      } else if (clash) {
        continue;
      }
      const workspace = !relative(repoRoot, realDir).split(sep).includes('node_modules');
      const next: PlacedPackage = { bundlePath, realDir, name, workspace };
      placed.set(bundlePath, next);
      queue.push(next);
    }
  }
  // every dependency must resolve, inside the bundle, to the very copy it resolved to in the tree
  for (const edge of edges) {
    const inBundle = resolveInBundle(edge.from.bundlePath, edge.name);
    if (inBundle?.realDir !== edge.realDir) throw new Error(`in the bundle, ${edge.from.name} would not find its copy of ${edge.name} (${edge.realDir})`);
  }
  return [...placed.values()];
}
