import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCap } from '../cap/cap-parser.js';
import { parseFeedIndex } from './feed-index.js';

const FEED = 'https://canhbao.example.gov.vn/cap/feed.atom';
const storm = readFileSync(new URL('../cap/samples/storm-alert.xml', import.meta.url), 'utf8');
const bareStorm = storm.replace(/^<\?xml[^>]*\?>\s*/, '');

const entriesOf = (xml: string) => {
  const index = parseFeedIndex(xml, FEED);
  if (!index.ok) throw new Error(index.reason);
  return index;
};

describe('CAP feed index', () => {
  it('reads an Atom index oldest first by date, following CAP-typed links, relative ones against the feed', () => {
    const index = entriesOf(`<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><id>c</id><updated>2026-10-27T09:00:00Z</updated>
    <link rel="alternate" type="text/html" href="https://canhbao.example.gov.vn/c.html"/>
    <link rel="related" type="application/cap+xml" href="/cap/c.xml"/></entry>
  <entry><id>a</id><updated>2026-10-27T07:00:00Z</updated><link href="https://other.example.org/a.cap"/></entry>
  <entry><id>b</id><updated>2026-10-27T08:00:00+07:00</updated><link type="application/cap+xml" href="b.xml"/></entry>
</feed>`);
    expect(index.entries.map((e) => e.url)).toEqual(['https://canhbao.example.gov.vn/cap/b.xml', 'https://other.example.org/a.cap', 'https://canhbao.example.gov.vn/cap/c.xml']);
    expect(index.entries[0]!.updated).toBe(Date.parse('2026-10-27T01:00:00Z'));
    expect(index.ignored).toBe(0);
  });

  it('reads an RSS index (WMO Alert Hub style): item links, CAP enclosures first; undated items in reverse document order', () => {
    const index = entriesOf(`<rss version="2.0"><channel><title>Alerts</title>
  <item><title>new</title><link>https://alerts.example.int/new.xml</link></item>
  <item><title>old</title><link>https://alerts.example.int/page</link><enclosure url="https://alerts.example.int/old.xml" type="application/cap+xml" length="100"/></item>
</channel></rss>`);
    expect(index.entries.map((e) => e.url)).toEqual(['https://alerts.example.int/old.xml', 'https://alerts.example.int/new.xml']);
  });

  it('orders RSS items by pubDate, lists an address once, and ignores entries without an http(s) address', () => {
    const index = entriesOf(`<rss version="2.0"><channel>
  <item><link>https://x.example/2.xml</link><pubDate>Tue, 27 Oct 2026 08:00:00 +0700</pubDate></item>
  <item><link>https://x.example/1.xml</link><pubDate>Tue, 27 Oct 2026 07:00:00 +0700</pubDate></item>
  <item><link>https://x.example/1.xml</link><pubDate>Tue, 27 Oct 2026 07:00:00 +0700</pubDate></item>
  <item><link>file:///etc/passwd</link><pubDate>Tue, 27 Oct 2026 06:00:00 +0700</pubDate></item>
  <item><link>javascript:alert(1)</link><pubDate>Tue, 27 Oct 2026 06:00:00 +0700</pubDate></item>
</channel></rss>`);
    expect(index.entries.map((e) => e.url)).toEqual(['https://x.example/1.xml', 'https://x.example/2.xml']);
    expect(index.ignored).toBe(2);
  });

  it('takes a CAP alert carried inside an entry, the namespace declared on the alert or on the feed', () => {
    const own = entriesOf(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><content type="application/cap+xml">${bareStorm}</content></entry></feed>`);
    expect(own.entries).toHaveLength(1);
    const parsed = parseCap(own.entries[0]!.inline!);
    expect(parsed.ok && parsed.alert.identifier).toBe('KTTV-HG-2026-1027-001');

    const prefixed = bareStorm.replace('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">', '<cap:alert>').replace(/<(\/?)(?!cap:)([a-zA-Z]+)([ >])/g, '<$1cap:$2$3').replace('</alert>', '</cap:alert>');
    const onRoot = entriesOf(`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2"><entry><id>x</id><content type="text/xml">${prefixed}</content></entry></feed>`);
    const fromRoot = parseCap(onRoot.entries[0]!.inline!);
    expect(fromRoot.ok ? fromRoot.alert.sender : fromRoot.reason).toBe('canhbao@kttv-haugiang.gov.vn');
  });

  it('takes a CAP alert given as escaped text in the entry', () => {
    const escaped = bareStorm.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const index = entriesOf(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><content type="text">${escaped}</content></entry></feed>`);
    const parsed = parseCap(index.entries[0]!.inline!);
    expect(parsed.ok).toBe(true);
  });

  it('refuses what is not a feed: HTML, broken XML, a DOCTYPE (entity expansion)', () => {
    expect(parseFeedIndex('<html><body>Maintenance</body></html>', FEED)).toEqual({ ok: false, reason: 'not an Atom or RSS feed (root element <html>)' });
    expect(parseFeedIndex('<feed><entry></feed>', FEED)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not well-formed XML/) });
    expect(parseFeedIndex('<!DOCTYPE feed [<!ENTITY a "aaaa">]><feed>&a;</feed>', FEED)).toMatchObject({ ok: false, reason: expect.stringMatching(/DOCTYPE/) });
  });
});
