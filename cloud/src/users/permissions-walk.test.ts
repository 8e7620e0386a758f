import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { csrfTokenFor, SESSION_COOKIE } from '../auth/session-cookie.js';
import { common } from '../console/common-messages.js';
import { declaredPages, PASSWORD_PAGE, type DeclaredPage } from '../console/console-kit.js';
import { actions, allowedDuringPasswordChange, can, rolesFor, type Action } from './permissions.js';
import { roles, type Role } from './roles.js';

/**
 * The permission table is the single source of who may do what: every documented API route and
 * every console page, walked as each role, refuses exactly those the table refuses, and the menu
 * shows exactly the pages that open.
 */
describe('every route and page follows the permission table', () => {
  let test: TestCloud;
  const tokens = {} as Record<Role, string>;
  /** The same roles in a commune (issue 10): the table keys by scope too. */
  const communeTokens = {} as Record<Role, string>;
  const COMMUNE = 'vi-tan';
  /** An admin whose password an admin set: the table allows everything, the pending change nearly nothing. */
  let pendingChange: string;
  const password = (role: Role) => `password-walk-${role}`;

  beforeAll(async () => {
    test = await startTestCloud();
    for (const role of roles) {
      const created = await test.request('POST', '/api/v1/users', { username: `walk-${role}`, role, password: password(role), mustChangePassword: false });
      expect(created.status).toBe(201);
      tokens[role] = await test.login(`walk-${role}`, password(role));
      const inCommune = await test.request('POST', '/api/v1/users', { username: `walkc-${role}`, role, communeCode: COMMUNE, password: password(role), mustChangePassword: false });
      expect(inCommune.status).toBe(201);
      communeTokens[role] = await test.login(`walkc-${role}`, password(role));
    }
    expect((await test.request('POST', '/api/v1/users', { username: 'walk-pending', role: 'admin', password: 'password-walk-pending', mustChangePassword: true })).status).toBe(201);
    pendingChange = await test.login('walk-pending', 'password-walk-pending');
  });
  afterAll(async () => {
    await test.stop();
  });

  describe('the API (GET /api/v1/openapi.json)', () => {
    type Operation = { description?: string; 'x-action'?: Action };
    let operations: { method: string; docPath: string; path: string; operation: Operation }[];

    beforeAll(async () => {
      const doc = (await test.request('GET', '/api/v1/openapi.json', undefined, null)).body as { paths: Record<string, Record<string, Operation>> };
      // a path parameter that names nothing: past the guard a route answers 400, 404 or 422, never 401 or 403
      operations = Object.entries(doc.paths).flatMap(([docPath, ops]) =>
        Object.entries(ops).map(([method, operation]) => ({ method: method.toUpperCase(), docPath, path: docPath.replace(/\{[^}]+\}/g, 'walk-none'), operation })),
      );
      expect(operations.length).toBeGreaterThanOrEqual(90);
    });

    const personal = () => operations.filter((o) => o.operation['x-action'] !== undefined);
    // a route may act on the session itself (log out): give it a session of its own
    const tokenFor = async (o: { method: string; operation: Operation }, role: Role) =>
      o.method !== 'GET' && o.operation['x-action'] === 'account.self' ? test.login(`walk-${role}`, password(role)) : tokens[role];

    it('states on every operation who may call it, from the table', () => {
      for (const { method, docPath, operation } of operations) {
        const action = operation['x-action'];
        const stated = /Access: ([^\n]*)\.$/.exec(operation.description ?? '')?.[1];
        const machines = [
          'public',
          'an edge box with its own credentials (HTTP Basic, edge id and secret)',
          'the external MQTT broker, with SC_BROKER_AUTH_TOKEN as a bearer token or as the password of HTTP Basic',
        ];
        if (action === undefined) expect(machines, `${method} ${docPath}`).toContain(stated);
        else {
          expect(actions, `${method} ${docPath}`).toContain(action);
          expect(stated, `${method} ${docPath}`).toBe(rolesFor(action).join(', '));
        }
      }
      // and every action of the table is some route's
      expect(new Set(personal().map((o) => o.operation['x-action']))).toEqual(new Set(actions));
    });

    it.each([...roles])('lets %s in exactly where the table says, refuses it with 403 elsewhere', async (role) => {
      for (const o of personal()) {
        const action = o.operation['x-action']!;
        const what = `${role} ${o.method} ${o.docPath} (${action})`;
        // no body at all: a route that validated before asking the table would answer 400
        const res = await test.request(o.method, o.path, undefined, await tokenFor(o, role));
        if (can({ role, communeCode: null }, action)) expect([401, 403], what).not.toContain(res.status);
        else {
          expect(res.status, what).toBe(403);
          expect(res.body.error.code, what).toBe('forbidden');
          expect(res.body.error.message, what).toContain(`"${action}"`);
        }
      }
    });

    it.each([...roles])("lets a commune's %s in exactly where the table says for a commune, refuses it with 403 elsewhere", async (role) => {
      for (const o of personal()) {
        const action = o.operation['x-action']!;
        const what = `commune ${role} ${o.method} ${o.docPath} (${action})`;
        const token = o.method !== 'GET' && action === 'account.self' ? await test.login(`walkc-${role}`, password(role)) : communeTokens[role];
        const res = await test.request(o.method, o.path, undefined, token);
        if (can({ role, communeCode: COMMUNE }, action)) expect([401, 403], what).not.toContain(res.status);
        else {
          expect(res.status, what).toBe(403);
          expect(res.body.error.message, what).toContain(`"${action}"`);
        }
      }
    });

    it('refuses anyone without credentials on every person route, and people on every device and broker route; lets anyone in on public ones', async () => {
      for (const o of operations) {
        const what = `${o.method} ${o.docPath}`;
        const anonymous = (await test.request(o.method, o.path, undefined, null)).status;
        if (o.operation.description?.endsWith('Access: public.')) expect([401, 403], `anonymous ${what}`).not.toContain(anonymous);
        else expect(anonymous, `anonymous ${what}`).toBe(401);
        const machine = o.operation.description?.includes('Access: an edge box') || o.operation.description?.includes('Access: the external MQTT broker');
        if (machine) expect((await test.request(o.method, o.path, undefined, tokens.admin)).status, `admin ${what}`).toBe(401);
      }
    });

    it('lets a person whose password an admin set do only what the table allows meanwhile', async () => {
      for (const o of personal()) {
        const action = o.operation['x-action']!;
        const what = `${o.method} ${o.docPath} (${action})`;
        const token = o.method !== 'GET' && action === 'account.self' ? await test.login('walk-pending', 'password-walk-pending') : pendingChange;
        const res = await test.request(o.method, o.path, undefined, token);
        if (allowedDuringPasswordChange(action)) expect([401, 403], what).not.toContain(res.status);
        else expect([res.status, res.body.error?.code], what).toEqual([403, 'password_change_required']);
      }
    });
  });

  describe('the console', () => {
    let pages: DeclaredPage[];
    beforeAll(() => {
      pages = declaredPages(test.cloud.app);
      expect(pages.length).toBeGreaterThanOrEqual(20);
    });

    /** A page as a browser with this session would get it (a change carries the page's CSRF token). */
    const open = async (page: DeclaredPage, token: string | null) => {
      const headers: Record<string, string> = { accept: 'text/html' };
      if (token) headers.cookie = `${SESSION_COOKIE}=${token}`;
      if (token && page.method !== 'GET') headers['x-csrf-token'] = csrfTokenFor(token);
      if (page.method !== 'GET') headers['content-type'] = 'application/json';
      const res = await test.cloud.app.request(page.path.replace(/:[^/]+/g, 'walk-1'), { method: page.method, headers, body: page.method === 'GET' ? undefined : '{}', redirect: 'manual' });
      const text = await res.text();
      return { status: res.status, location: res.headers.get('location'), refused: res.status === 403 && text.includes(common.vi.forbiddenTitle) };
    };
    const sentToLogin = (reply: { status: number; location: string | null }) => reply.status === 303 && (reply.location ?? '').startsWith('/login?next=');
    const personal = () => pages.filter((p): p is DeclaredPage & { access: Action } => p.access !== 'public');

    it('sends a visitor to the login from every page for people, and from no public page', async () => {
      for (const page of pages) {
        const reply = await open(page, null);
        expect(sentToLogin(reply), `${page.method} ${page.path}`).toBe(page.access !== 'public');
        expect(reply.refused, `${page.method} ${page.path}`).toBe(false);
      }
    });

    it.each([...roles])('opens to %s exactly the pages the table allows, a 403 page elsewhere', async (role) => {
      for (const page of personal()) {
        const what = `${role} ${page.method} ${page.path} (${page.access})`;
        const reply = await open(page, tokens[role]);
        expect(sentToLogin(reply), what).toBe(false);
        expect(reply.refused, what).toBe(!can({ role, communeCode: null }, page.access));
        const inCommune = await open(page, communeTokens[role]);
        expect(inCommune.refused, `commune ${what}`).toBe(!can({ role, communeCode: COMMUNE }, page.access));
      }
    });

    it('sends a person whose password an admin set to change it, from every page the table does not allow meanwhile', async () => {
      for (const page of personal()) {
        const reply = await open(page, pendingChange);
        const sentToChange = reply.status === 303 && reply.location === PASSWORD_PAGE;
        expect(sentToChange, `${page.method} ${page.path}`).toBe(!allowedDuringPasswordChange(page.access));
        expect(reply.refused, `${page.method} ${page.path}`).toBe(false);
      }
    });

    /** The menu's links on the home page as this session (or a visitor) sees it. */
    const menuOf = async (token: string | null) => {
      const home = await test.cloud.app.request('/', { headers: token ? { cookie: `${SESSION_COOKIE}=${token}` } : {} });
      const menu = /<nav class="menu"[^>]*>([\s\S]*?)<\/nav>/.exec(await home.text())?.[1] ?? '';
      return [...menu.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    };

    const menuPeople = [...roles, ...roles.map((r) => `commune ${r}` as const), 'visitor' as const];
    it.each(menuPeople)('shows %s in the menu exactly the pages that open to them', async (who) => {
      const token = who === 'visitor' ? null : who.startsWith('commune ') ? communeTokens[who.slice(8) as Role] : tokens[who as Role];
      // every entry there is: the admin's menu (every page for people) and a visitor's (the public ones)
      const entries = [...new Set([...(await menuOf(tokens.admin)), ...(await menuOf(null))])];
      expect(entries.length).toBeGreaterThanOrEqual(10);
      const opens: string[] = [];
      for (const href of entries) {
        const page = pages.find((p) => p.method === 'GET' && p.path === href);
        expect(page, href).toBeDefined();
        const reply = await open(page!, token);
        if (!sentToLogin(reply) && !reply.refused) opens.push(href);
      }
      expect((await menuOf(token)).sort()).toEqual(opens.sort());
    });
  });
});
