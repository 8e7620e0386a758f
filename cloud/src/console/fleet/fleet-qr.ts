import { Hono } from 'hono';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { ConsoleEnv, ConsoleKit } from '../console-kit.js';

/** The text of a claim command is about 150 characters; a QR code stays scannable on a phone up to a few hundred. */
const qrRequest = z.object({ text: z.string().min(1, 'text is empty').max(1000, 'text is longer than 1000 characters') });

/**
 * POST /fleet/qr.svg `{text}` → the QR code of that text as SVG, drawn here (no outside service).
 * A POST, so a claim token never lands in a URL, a log line or the browser history. For those
 * who may make claim tokens.
 */
export function createQrRoute(kit: ConsoleKit) {
  const app = new Hono<ConsoleEnv>();
  app.post('/fleet/qr.svg', kit.page('fleet.edges.manage'), async (c) => {
    const body: unknown = await c.req.json().catch(() => null);
    const parsed = qrRequest.safeParse(body);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => i.message).join('; ');
      return c.json({ error: { code: 'validation_failed', message: `expected JSON {text}: ${message}` } }, 400);
    }
    const svg = await QRCode.toString(parsed.data.text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return c.body(svg, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'no-store' });
  });
  return app;
}
