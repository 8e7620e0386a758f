import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.js';

const PAGE = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Xã thông minh — Smart Commune</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}a{color:#0b5cad}</style>
</head><body>
<h1>Hệ thống xã thông minh</h1>
<p>Máy chủ điều khiển đang chạy. Giao diện quản trị cho cán bộ đài truyền thanh, kỹ thuật viên và công an xã đang được hoàn thiện.</p>
<p lang="en">The Smart Commune control plane is running. The web console for radio operators, technicians and police is on its way.</p>
<ul><li><a href="/api/v1/openapi.json">API (OpenAPI)</a></li><li><a href="/healthz">Tình trạng / Health</a></li></ul>
</body></html>`;

/** The page at `/` until the web console lands: says what runs here and where the API is. */
export function createLandingRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.get('/', (c) => c.html(PAGE));
  return app;
}
