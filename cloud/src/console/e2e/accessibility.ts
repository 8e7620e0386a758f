import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page, Request, Response } from 'playwright-core';

/** The WCAG 2.0 and 2.1 success criteria of levels A and AA, as axe-core tags its rules. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** axe-core's own bundle, read once: injected as a script into the page under test. */
let axeSource: string | undefined;
const axeScript = () => (axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));

/** What axe-core reports of one broken rule (the part a reader needs to find and fix it). */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/**
 * Runs axe-core's WCAG 2 A and AA rules on the page as it is now (after its scripts drew it, after a
 * dialog opened…) and returns the violations; every rule of those tags runs, none is switched off.
 * The page's context must bypass the CSP (harness `bypassCSP: true`), since axe is a script the
 * console did not serve.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ content: axeScript() });
  const options = JSON.stringify({ runOnly: { type: 'tag', values: WCAG_TAGS }, resultTypes: ['violations'] });
  // a string, as the cloud's TypeScript has no DOM types; only the fields a report needs cross back
  return page.evaluate(`(async () => {
    const result = await window.axe.run(document, ${options});
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact ?? null, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary ?? '' })),
    }));
  })()`);
}

/** The violations as lines a person can act on: rule, impact, what it asks, where (selectors), and the rule's page. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const where = v.nodes.slice(0, 8).map((n) => `    - ${n.target.join(' >> ')}`);
      if (v.nodes.length > 8) where.push(`    - … and ${v.nodes.length - 8} more`);
      return [`  ${v.id} (${v.impact ?? 'impact unknown'}): ${v.help} — ${v.helpUrl}`, ...where].join('\n');
    })
    .join('\n');
}

/** Fails with the readable list when axe finds any WCAG 2 A or AA violation on the page; `where` names the page and state. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) throw new Error(`${where}: ${violations.length} WCAG 2 A/AA rule(s) broken (axe-core)\n${describeViolations(violations)}`);
}

/** The page's API calls (fetch) in flight, followed from the first `openSettled` of that page. */
const inFlight = new WeakMap<Page, Set<Request>>();

function follow(page: Page): Set<Request> {
  let open = inFlight.get(page);
  if (open) return open;
  const calls = (open = new Set<Request>());
  inFlight.set(page, calls);
  const done = (request: Request) => calls.delete(request);
  page.on('request', (request) => {
    if (request.resourceType() === 'fetch' || request.resourceType() === 'xhr') calls.add(request);
  });
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return calls;
}

/**
 * Opens the address and waits until the page's scripts have drawn it: loaded, and none of its API
 * calls in flight for 100 ms (a call's answer may start the next). Pictures and media are not waited
 * for (the camera page asks a box that is not running for its picture), and neither is more than
 * `timeoutMs` of calls. Faster than Playwright's 'networkidle', which waits 500 ms of quiet on
 * every page.
 */
export async function openSettled(page: Page, address: string, timeoutMs = 5_000): Promise<Response | null> {
  const calls = follow(page);
  const res = await page.goto(address);
  const deadline = Date.now() + timeoutMs;
  for (let quietSince = Date.now(); Date.now() < deadline; await page.waitForTimeout(20)) {
    if (calls.size > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 100) break;
  }
  return res;
}
