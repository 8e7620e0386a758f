import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The release the current code must work with in the field: main as it was before issue 15 (boxes
 * and cloud that announce no contract, revision 1). Pinned by hash so the test means the same thing
 * in every clone; a later release moves this pin forward.
 */
export const PREVIOUS_RELEASE = { commit: 'b5ae84d71931e6200e4ec6fbce3452a06ccc181f', name: 'main before issue 15 (contract revision 1)' } as const;

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** What a release needs to run: the three packages and the root's build and lock files. */
const PATHS = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'shared', 'cloud', 'edge'];
const WORKSPACES = ['shared', 'cloud', 'edge', 'firmware-sim'];

const git = (args: string[]) => spawnSync('git', ['-C', REPO, ...args], { encoding: 'utf8' });

/** Refuses, naming what is missing, when the pinned commit is not in this clone (a shallow clone in CI). */
function assertCommitPresent(commit: string): void {
  if (git(['cat-file', '-e', `${commit}^{commit}`]).status === 0) return;
  const shallow = git(['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
  throw new Error(
    `the previous release ${commit} (${PREVIOUS_RELEASE.name}) is not in this clone` +
      (shallow ? ': it is a shallow clone; fetch the history with `git fetch --unshallow` (or check out with fetch-depth: 0)' : ': fetch it (`git fetch origin`)'),
  );
}

interface Lock {
  packages: Record<string, { version?: string; link?: boolean }>;
}

/**
 * The release runs on this checkout's node_modules, so each package its lock file pins must be
 * installed here at that version; otherwise the test would run something that was never released.
 */
function assertDependenciesMatch(releaseDir: string): void {
  const lock = JSON.parse(readFileSync(join(releaseDir, 'package-lock.json'), 'utf8')) as Lock;
  const wanted = new Set<string>();
  for (const pkg of ['.', 'shared', 'cloud', 'edge']) {
    const manifest = JSON.parse(readFileSync(join(releaseDir, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) if (!name.startsWith('@smart-commune/')) wanted.add(name);
  }
  const mismatched: string[] = [];
  for (const name of wanted) {
    const locked = lock.packages[`node_modules/${name}`]?.version;
    const file = join(REPO, 'node_modules', name, 'package.json');
    const installed = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
    if (locked && installed !== locked) mismatched.push(`${name}: released with ${locked}, installed ${installed ?? 'nothing'}`);
  }
  if (mismatched.length) {
    throw new Error(`the previous release ${PREVIOUS_RELEASE.commit} cannot run on this checkout's node_modules: ${mismatched.join('; ')}. Move PREVIOUS_RELEASE forward or build it with its own npm ci`);
  }
}

/**
 * node_modules for the release: every installed package linked from this checkout, except the
 * workspace packages, which must be the release's own (a link to the checkout's would resolve, by
 * its real path, to the current code).
 */
function linkNodeModules(releaseDir: string): void {
  const target = join(releaseDir, 'node_modules');
  mkdirSync(join(target, '@smart-commune'), { recursive: true });
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry === '@smart-commune' || entry === '.bin') continue;
    symlinkSync(join(REPO, 'node_modules', entry), join(target, entry));
  }
  for (const pkg of WORKSPACES) if (existsSync(join(releaseDir, pkg))) symlinkSync(join('..', '..', pkg), join(target, '@smart-commune', pkg));
  for (const pkg of ['cloud', 'edge']) {
    const own = join(REPO, pkg, 'node_modules');
    if (existsSync(own) && existsSync(join(releaseDir, pkg))) symlinkSync(own, join(releaseDir, pkg, 'node_modules'));
  }
}

/**
 * The previous release unpacked from git and built (`tsc -b`) in a temporary directory, once per
 * commit and checkout (later runs find it built: about 90 s the first time on two cores). Returns
 * its directory.
 */
export function buildPreviousRelease(commit: string = PREVIOUS_RELEASE.commit): string {
  // per checkout too: the build links this checkout's node_modules
  const checkout = createHash('sha256').update(REPO).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `sc-previous-release-${commit.slice(0, 12)}-${checkout}`);
  if (existsSync(join(dir, '.built'))) return dir;
  assertCommitPresent(commit);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const tar = execFileSync('git', ['-C', REPO, 'archive', '--format=tar', commit, ...PATHS], { maxBuffer: 512 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', partial], { input: tar });
    assertDependenciesMatch(partial);
    linkNodeModules(partial);
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const built = spawnSync(process.execPath, [tsc, '-b', 'shared', 'cloud', 'edge'], { cwd: partial, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the previous release ${commit} does not build: ${(built.stdout + built.stderr).slice(0, 2000)}`);
    writeFileSync(join(partial, '.built'), `${commit}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** One of the release's programs as a child process, its output kept for the failure message. */
export interface ReleaseProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function runRelease(releaseDir: string, program: 'cloud' | 'edge', args: string[], env: Record<string, string>): ReleaseProcess {
  const bin = join(releaseDir, program, 'bin', program === 'cloud' ? 'sc-cloud.js' : 'sc-edge.js');
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs one of the release's commands to completion (e.g. `sc-edge provision`). */
export function runReleaseCommand(releaseDir: string, program: 'cloud' | 'edge', args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const run = runRelease(releaseDir, program, args, env);
  return new Promise((resolve) => run.child.once('exit', (code) => resolve({ code, output: run.output() })));
}
