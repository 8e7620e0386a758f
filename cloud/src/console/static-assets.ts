import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { ASSET_PREFIX } from './layout.js';

/** The sources' folder, found the same way from src/console (tests) and dist/console (the built cloud). */
export const ASSETS_DIR = fileURLToPath(new URL('../../src/console/assets/', import.meta.url));

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  woff2: 'font/woff2',
  png: 'image/png',
};

const NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|svg|woff2|png)$/;

/**
 * Scripts, styles and icons of the console, served by the cloud itself (no CDN, no build step).
 * An ETag lets a slow link revalidate instead of downloading again.
 */
export function createStaticAssets(dir = ASSETS_DIR) {
  const app = new Hono();
  app.get(`${ASSET_PREFIX}:name`, async (c) => {
    const name = c.req.param('name');
    const match = NAME.exec(name);
    if (!match) return c.notFound();
    const body = await readFile(dir + name).catch(() => null);
    if (!body) return c.notFound();
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    const headers = { etag, 'cache-control': 'public, max-age=300, must-revalidate' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'content-type': TYPES[match[1]!]! });
  });
  return app;
}
