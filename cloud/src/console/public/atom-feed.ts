import type { PublicNotice } from '../../radio/bulletins/public-notices.js';
import type { PublicPaths } from './public-paths.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Text safe in XML content and attributes; characters XML 1.0 forbids are dropped. */
export const escapeXml = (text: string) =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

export interface AtomFeedInput {
  /** Absolute origin of the public site, e.g. https://xa-vi-tan.example. */
  origin: string;
  /** The site's pages: a commune's (/xa/<code>/thong-bao …) or a single-commune install's old ones (/thong-bao …). */
  paths: Pick<PublicPaths, 'notices' | 'feed' | 'audio'>;
  title: string;
  author: string;
  notices: PublicNotice[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The notices as an Atom 1.0 feed (RFC 4287), each entry with its audio as an enclosure. */
export function atomFeed({ origin, paths, title, author, notices }: AtomFeedInput): string {
  const page = `${origin}${paths.notices}`;
  const updated = notices.reduce((latest, n) => Math.max(latest, n.publishedAt), 0);
  const entries = notices.map(
    (n) => `  <entry>
    <id>${escapeXml(`${page}#${n.id}`)}</id>
    <title>${escapeXml(n.title)}</title>
    <updated>${iso(n.publishedAt)}</updated>
    <published>${iso(n.publishedAt)}</published>
    <link rel="alternate" type="text/html" href="${escapeXml(`${page}#${n.id}`)}"/>
    <link rel="enclosure" type="${escapeXml(n.audio.mime)}" length="${n.audio.bytes}" href="${escapeXml(`${origin}${paths.audio(n.id)}`)}"/>
    <content type="text">${escapeXml(n.text ?? n.title)}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <id>${escapeXml(page)}</id>
  <title>${escapeXml(title)}</title>
  <updated>${iso(updated)}</updated>
  <author><name>${escapeXml(author)}</name></author>
  <link rel="self" type="application/atom+xml" href="${escapeXml(`${origin}${paths.feed}`)}"/>
  <link rel="alternate" type="text/html" href="${escapeXml(page)}"/>
${entries.join('\n')}
</feed>
`;
}
