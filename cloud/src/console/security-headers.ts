import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { LIVE_PAGE } from './radio/live-page.js';

/** The only pages the browser may let use the microphone: the live voice page. Every other keeps `microphone=()`. */
export const MICROPHONE_PAGES: ReadonlySet<string> = new Set([LIVE_PAGE]);

/**
 * Headers on every response (pages and API): scripts, styles, fonts and images only from this
 * server (the console works with no internet and runs no inline script), no framing, no sniffing,
 * no referrer to other sites. Workers only from this server (the service worker of notifications). Audio and video may also come from blob: (a chosen file played before upload).
 */
export function securityHeaders(): MiddlewareHandler {
  const everywhere = headersWith([]);
  const withMicrophone = headersWith(['self']);
  return (c, next) => (MICROPHONE_PAGES.has(c.req.path) ? withMicrophone : everywhere)(c, next);
}

function headersWith(microphone: string[]) {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      mediaSrc: ["'self'", 'blob:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      // the console's service worker (/sw.js, Web Push notifications) and nothing else
      workerSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    referrerPolicy: 'same-origin',
    xContentTypeOptions: 'nosniff',
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
    // HSTS only means something over https, which a reverse proxy in front adds
    strictTransportSecurity: false,
    permissionsPolicy: { camera: [], microphone, geolocation: ['self'] },
  });
}
