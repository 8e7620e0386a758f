import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPTS = fileURLToPath(new URL('.', import.meta.url));

/** Every executable a person runs from scripts/ (the demo, the tests, each benchmark). */
function entryPoints(): string[] {
  return ['.', 'bench']
    .flatMap((dir) => readdirSync(join(SCRIPTS, dir)).map((name) => join(dir, name)))
    .filter((path) => {
      const stat = statSync(join(SCRIPTS, path));
      return stat.isFile() && (stat.mode & 0o111) !== 0;
    });
}

describe('scripts/ entry points', () => {
  it('finds the demo, the tests and every benchmark', () => {
    const found = entryPoints();
    expect(found).toEqual(expect.arrayContaining(['demo', 'test', join('bench', 'fleet'), join('bench', 'detect')]));
  });

  // a fresh clone has no node_modules, no build and maybe no Debian packages: each script sets
  // itself up (scripts/lib/setup.sh) before it runs anything of the project
  it.each(entryPoints())('%s sets a fresh clone up before it runs', (path) => {
    const lines = readFileSync(join(SCRIPTS, path), 'utf8').split('\n').map((l) => l.trim());
    const sources = lines.findIndex((l) => /^source .*lib\/setup\.sh"?$/.test(l));
    const setup = lines.findIndex((l) => /^setup( |$)/.test(l));
    const firstRun = lines.findIndex((l) => /^(exec )?(node|npx|npm) /.test(l));
    expect(sources, 'sources scripts/lib/setup.sh').toBeGreaterThanOrEqual(0);
    expect(setup, 'calls setup').toBeGreaterThan(sources);
    expect(firstRun, 'runs node after setup').toBeGreaterThan(setup);
  });
});
