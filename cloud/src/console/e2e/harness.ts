import { afterAll, beforeAll } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { CloudConfig } from '../../config.js';
import type { Role } from '../../users/roles.js';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';

/** Debian's chromium package; `npx playwright install` cannot download a browser here. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../../test-output/screenshots/', import.meta.url));

/** A person the harness created: log in with these. */
export interface E2EUser {
  id: string;
  username: string;
  password: string;
  role: Role;
}

export interface ConsoleE2E {
  /** The real cloud on a real HTTP port (its `api()` calls go over TCP with the admin token). */
  test: TestCloud;
  baseUrl: string;
  browser: Browser;
  /** A user of that role (created once per role and name). */
  user(role: Role, name?: string): Promise<E2EUser>;
  /** A fresh browser context (own cookies), logged in through the login form, on the home page. */
  loginAs(role: Role, options?: { name?: string; viewport?: { width: number; height: number } } & ContextOptions): Promise<Page>;
  /** A fresh browser context nobody is logged in to (citizens' pages); `javaScriptEnabled: false` for a browser without scripts. */
  anonymousPage(options?: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } & ContextOptions): Promise<Page>;
  /** Saves a full-page PNG as test-output/screenshots/<name>.png; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Browser settings a test may need beyond the defaults. */
export interface ContextOptions {
  /**
   * Ignore the console's Content-Security-Policy in this context, so a test can inject a checking
   * script of its own (axe-core, accessibility.ts). Never for a test of the pages' own scripts: the
   * CSP is part of what those check.
   */
  bypassCSP?: boolean;
}

const DESKTOP = { width: 1280, height: 900 };

/**
 * Starts a real cloud (startTestCloud) and Debian's Chromium through playwright-core, for
 * end-to-end tests of the console. Every page author uses it the same way:
 *
 *   const e2e = await startConsoleE2E();
 *   const page = await e2e.loginAs('operator');
 *   await page.goto(`${e2e.baseUrl}/radio/bulletins`);
 *   await e2e.screenshot(page, 'radio-bulletins');
 *   await e2e.stop();
 */
/**
 * The usual way in a test file: the suite's cloud and browser, started before its tests and stopped
 * after them (hooks registered first, so a suite's own later hooks see it started and stop first).
 */
export function useConsoleE2E(options: ConsoleE2EOptions = {}): ConsoleE2E {
  const e2e = {} as ConsoleE2E;
  beforeAll(async () => {
    Object.assign(e2e, await startConsoleE2E(options));
  }, 60_000);
  afterAll(async () => {
    await e2e.stop?.();
  });
  return e2e;
}

/** What a suite may change in its cloud and browser. */
export interface ConsoleE2EOptions {
  cloud?: Partial<CloudConfig>;
  /**
   * Chromium flags added to CHROMIUM_ARGS, e.g. a fake microphone fed from a file
   * (`--use-fake-device-for-media-stream`, `--use-file-for-fake-audio-capture=…`).
   */
  chromiumArgs?: string[];
}

export async function startConsoleE2E(options: ConsoleE2EOptions = {}): Promise<ConsoleE2E> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/test installs it)`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const test = await startTestCloud(options.cloud);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])], headless: true }).catch(async (err: unknown) => {
    await test.stop();
    throw err;
  });
  const baseUrl = test.cloud.httpUrl;
  const users = new Map<string, E2EUser>();
  const contexts: BrowserContext[] = [];

  const newPage = async (viewport = DESKTOP, javaScriptEnabled = true, bypassCSP = false) => {
    const context = await browser.newContext({ viewport, javaScriptEnabled, bypassCSP, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', baseURL: baseUrl });
    contexts.push(context);
    return context.newPage();
  };

  const user: ConsoleE2E['user'] = async (role, name = `${role}-e2e`) => {
    const known = users.get(name);
    if (known) return known;
    const password = `password-of-${name}`;
    const created = await test.api('POST', '/api/v1/users', { username: name, displayName: `${name} (e2e)`, role, password, mustChangePassword: false });
    if (created.status !== 201) throw new Error(`creating ${name} failed: ${JSON.stringify(created.body)}`);
    const made = { id: created.body.id as string, username: name, password, role };
    users.set(name, made);
    return made;
  };

  return {
    test,
    baseUrl,
    browser,
    user,
    async loginAs(role, opts = {}) {
      const person = await user(role, opts.name);
      const page = await newPage(opts.viewport, true, opts.bypassCSP);
      await page.goto('/login');
      await page.getByLabel(/Tên đăng nhập|Username/).fill(person.username);
      await page.getByLabel(/Mật khẩu|Password/).fill(person.password);
      await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: /Đăng nhập|Log in/ }).click()]);
      return page;
    },
    anonymousPage: (opts = {}) => newPage(opts.viewport, opts.javaScriptEnabled, opts.bypassCSP),
    async screenshot(page, name) {
      const path = `${SCREENSHOT_DIR}${name}.png`;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async stop() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await test.stop();
    },
  };
}

/** The focused element's id, else its name, else its text: for checking the Tab order. */
export function focusedName(page: Page): Promise<string> {
  // a string, as the cloud's TypeScript has no DOM types
  return page.evaluate(`(() => { const e = document.activeElement; return e ? e.id || e.getAttribute('name') || (e.textContent || '').trim() || e.tagName : ''; })()`);
}

/** Waits until the element shows `text` (vitest has no Playwright matchers) and returns its whole text. */
export async function waitForText(locator: Locator, text: string | RegExp, timeout = 10_000): Promise<string> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'attached', timeout });
  return (await locator.first().textContent()) ?? '';
}

/**
 * Waits until a JavaScript expression is truthy in the page. Not `page.waitForFunction`: its polling
 * evaluates the expression with eval inside the page, which the console's CSP forbids whenever the
 * first check is false; `page.evaluate` goes through the DevTools protocol, which the CSP does not cover.
 */
export async function waitForExpression(page: Page, expression: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  // an element not there yet, or a page still navigating, counts as "not yet"
  const check = `(() => { try { return Boolean(${expression}); } catch { return false; } })()`;
  while (!(await page.evaluate(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
