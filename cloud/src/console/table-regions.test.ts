import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CONSOLE_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The console's markup and page scripts (tests left out). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * A wide table scrolls sideways on a phone, and a keyboard can only scroll what it can focus (WCAG
 * 2.1.1, axe's scrollable-region-focusable). The Chromium check (e2e/accessibility.test.ts) sees a
 * table only when the page has rows to show; this holds every wrapper to it, rows or not.
 */
describe('wide tables', () => {
  it('sit in a labelled region a keyboard can reach, in every page of the console', () => {
    const wrappers = sources(CONSOLE_DIR).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/<div class="table-wrap"[^>]*>/g)].map((m) => ({ file: file.slice(CONSOLE_DIR.length), tag: m[0] })),
    );
    expect(wrappers.length).toBeGreaterThanOrEqual(10);
    const bare = wrappers.filter(({ tag }) => !(tag.includes('role="region"') && tag.includes('tabindex="0"') && /aria-label(ledby)?="/.test(tag)));
    expect(bare).toEqual([]);
    // and no page script builds one past this check
    const scripted = sources(CONSOLE_DIR).filter((file) => /className: 'table-wrap'|classList\.add\('table-wrap'\)/.test(readFileSync(file, 'utf8')));
    expect(scripted).toEqual([]);
  });
});
