import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test support (tests and benchmarks import it): a CAP feed as an alerting authority publishes one,
 * on 127.0.0.1. An Atom (or RSS) index at /feed lists the messages newest first, each linking to
 * /cap/<name>.xml (or carrying it inline); the index has an ETag and a Last-Modified and answers
 * 304 to either validator. Faults can be switched on: HTTP 500, or no answer at all.
 */

export type FeedFault = 'none' | 'error' | 'hang';

export interface PublishedMessage {
  name: string;
  xml: string;
  /** When it appeared in the index (epoch ms). */
  publishedAt: number;
  /** Carried in the entry rather than linked. */
  inline: boolean;
}

export interface CapFeedServer {
  url: string;
  /** The index's address. */
  feedUrl: string;
  messageUrl(name: string): string;
  /** Adds messages to the index at once (one new version of it); returns when they appeared. */
  publish(...messages: { name: string; xml: string; inline?: boolean }[]): number;
  /** Its entry stays in the index, its address answers 404. */
  withdraw(name: string): void;
  /** Faults of the index and, separately, of the message addresses. */
  setFault(target: 'index' | 'messages', fault: FeedFault): void;
  /** Requests received, by path (`/feed`, `/cap/x.xml`), with the status answered. */
  requests: { path: string; status: number; at: number; conditional: boolean }[];
  countOf(path: string): number;
  close(): Promise<void>;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** The alert without its XML declaration, to sit inside an entry. */
const bareAlert = (xml: string) => xml.replace(/^\s*<\?xml[^>]*\?>\s*/, '');

function atom(base: string, entries: PublishedMessage[], updated: number): string {
  const items = entries.map((m) => {
    const link = `${base}/cap/${m.name}.xml`;
    const body = m.inline ? `<content type="application/cap+xml">${bareAlert(m.xml)}</content>` : `<link rel="alternate" type="application/cap+xml" href="${escapeXml(link)}"/>`;
    return `<entry><id>urn:test:${escapeXml(m.name)}</id><title>${escapeXml(m.name)}</title><updated>${new Date(m.publishedAt).toISOString()}</updated>${body}</entry>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test:feed</id><title>Cảnh báo thử</title><updated>${new Date(updated).toISOString()}</updated>
<link rel="self" href="${escapeXml(base)}/feed"/>
${items.join('\n')}
</feed>`;
}

function rss(base: string, entries: PublishedMessage[]): string {
  const items = entries.map(
    (m) =>
      `<item><title>${escapeXml(m.name)}</title><link>${escapeXml(`${base}/cap/${m.name}.xml`)}</link><guid>${escapeXml(m.name)}</guid><pubDate>${new Date(m.publishedAt).toUTCString()}</pubDate></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Cảnh báo thử</title><link>${escapeXml(base)}</link><description>test</description>
${items.join('\n')}
</channel></rss>`;
}

export async function startCapFeedServer(options: { format?: 'atom' | 'rss' } = {}): Promise<CapFeedServer> {
  const format = options.format ?? 'atom';
  const messages = new Map<string, PublishedMessage>();
  const listed: string[] = [];
  const faults = { index: 'none' as FeedFault, messages: 'none' as FeedFault };
  const requests: CapFeedServer['requests'] = [];
  const hanging = new Set<ServerResponse>();
  const withdrawn = new Set<string>();
  let version = 0;
  let changedAt = Date.now();
  let base = '';

  const answer = (req: IncomingMessage, res: ServerResponse, path: string, status: number, body: string, headers: Record<string, string> = {}) => {
    requests.push({ path, status, at: Date.now(), conditional: req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined });
    res.writeHead(status, headers).end(body);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const fault = path === '/feed' ? faults.index : faults.messages;
    if (fault === 'hang') {
      requests.push({ path, status: 0, at: Date.now(), conditional: false });
      hanging.add(res);
      res.once('close', () => hanging.delete(res));
      return;
    }
    if (fault === 'error') return answer(req, res, path, 500, 'Internal Server Error', { 'content-type': 'text/plain' });
    if (path === '/feed') {
      const etag = `"v${version}"`;
      const lastModified = new Date(Math.floor(changedAt / 1000) * 1000).toUTCString();
      const sinceHeader = req.headers['if-modified-since'];
      const since = sinceHeader ? Date.parse(sinceHeader) : NaN;
      const unchanged = req.headers['if-none-match'] !== undefined ? req.headers['if-none-match'] === etag : Number.isFinite(since) && Math.floor(changedAt / 1000) * 1000 <= since;
      if (unchanged) return answer(req, res, path, 304, '', { etag, 'last-modified': lastModified });
      const entries = listed.map((n) => messages.get(n)!).reverse();
      const body = format === 'atom' ? atom(base, entries, changedAt) : rss(base, entries);
      return answer(req, res, path, 200, body, { 'content-type': format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8', etag, 'last-modified': lastModified });
    }
    const name = path.match(/^\/cap\/(.+)\.xml$/)?.[1];
    const message = name && !withdrawn.has(decodeURIComponent(name)) ? messages.get(decodeURIComponent(name)) : undefined;
    if (!message) return answer(req, res, path, 404, 'Not Found', { 'content-type': 'text/plain' });
    return answer(req, res, path, 200, message.xml, { 'content-type': 'application/cap+xml; charset=utf-8', etag: `"${createHash('sha256').update(message.xml).digest('hex').slice(0, 16)}"` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    feedUrl: `${base}/feed`,
    messageUrl: (name) => `${base}/cap/${name}.xml`,
    publish(...added) {
      const at = Date.now();
      for (const m of added) {
        if (messages.has(m.name)) throw new Error(`message ${m.name} already published`);
        messages.set(m.name, { name: m.name, xml: m.xml, publishedAt: at, inline: m.inline ?? false });
        listed.push(m.name);
      }
      version++;
      changedAt = at;
      return at;
    },
    withdraw(name) {
      withdrawn.add(name);
    },
    setFault(target, fault) {
      faults[target] = fault;
      if (fault !== 'hang') for (const res of hanging) res.destroy();
    },
    requests,
    countOf: (path) => requests.filter((r) => r.path === path).length,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
