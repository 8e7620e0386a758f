import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CAP_NAMESPACE } from '../cap/cap-parser.js';

/** One entry of a feed that carries a CAP message: by address, or inside the entry itself. */
export type FeedEntry = { url: string; inline: null; updated: number | null } | { url: null; inline: string; updated: number | null };

export type FeedIndex = { ok: true; entries: FeedEntry[]; ignored: number } | { ok: false; reason: string };

type Node = Record<string, unknown>;

const asNode = (value: unknown): Node => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : {});
const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
/** An element's text, whether it came with attributes or not. */
const textOf = (value: unknown): string | null => {
  if (typeof value === 'string') return value.trim() || null;
  const text = asNode(value)['#text'];
  return typeof text === 'string' ? text.trim() || null : null;
};
const attr = (value: unknown, name: string): string | null => {
  const found = asNode(value)[`@_${name}`];
  return typeof found === 'string' ? found.trim() : null;
};
const isCapType = (type: string | null) => type !== null && /cap\+xml|[/+]cap\b/i.test(type);

/** An absolute http(s) address, or null for anything else (mailto:, file:, javascript:, garbage). */
function httpUrl(href: string | null, base: string): string | null {
  if (!href) return null;
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function dateOf(entry: Node): number | null {
  for (const name of ['updated', 'published', 'pubDate', 'date', 'sent']) {
    const text = textOf(entry[name]);
    const ms = text ? Date.parse(text) : NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return null;
}

/** Where an Atom entry's CAP message is: a link typed as CAP, else its alternate link. */
function atomLink(entry: Node, base: string): string | null {
  const links = asList(entry.link);
  const cap = links.find((l) => isCapType(attr(l, 'type')));
  const alternate = links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate');
  return httpUrl(attr(cap ?? alternate, 'href'), base);
}

/** Where an RSS item's CAP message is: an enclosure typed as CAP, else its link. */
function rssLink(item: Node, base: string): string | null {
  const enclosure = asList(item.enclosure).find((e) => isCapType(attr(e, 'type')));
  if (enclosure) return httpUrl(attr(enclosure, 'url'), base);
  const link = asList(item.link).map(textOf).find((l) => l !== null) ?? null;
  return httpUrl(link, base);
}

/**
 * The raw text of each entry (or item) in document order, to cut an inline CAP alert out of it as
 * the publisher wrote it. Entries do not nest, so the first closing tag ends each.
 */
const rawEntries = (xml: string, tag: 'entry' | 'item') => [...xml.matchAll(new RegExp(`<(?:[\\w.-]+:)?${tag}\\b[^>]*?(?<!/)>[\\s\\S]*?</(?:[\\w.-]+:)?${tag}\\s*>`, 'g'))].map((m) => m[0]);

/**
 * A CAP alert written as XML inside an entry's content. The CAP namespace may be declared on the
 * feed's root rather than on the alert: the declaration is then carried over, so the message can
 * be read on its own.
 */
function inlineAlert(raw: string | undefined, xml: string): string | null {
  const found = raw?.match(/<((?:[\w.-]+:)?)alert\b[^>]*>[\s\S]*?<\/\1alert\s*>/);
  if (!found) return null;
  const prefix = found[1]!.replace(/:$/, '');
  const declaration = prefix ? `xmlns:${prefix}` : 'xmlns';
  const startTag = found[0].slice(0, found[0].indexOf('>'));
  if (new RegExp(`\\s${declaration}\\s*=`).test(startTag)) return found[0];
  if (!new RegExp(`\\s${declaration}\\s*=\\s*["']${CAP_NAMESPACE.replace(/[.]/g, '\\.')}["']`).test(xml)) return found[0];
  const at = '<'.length + found[1]!.length + 'alert'.length;
  return `${found[0].slice(0, at)} ${declaration}="${CAP_NAMESPACE}"${found[0].slice(at)}`;
}

/** A CAP alert carried in an Atom entry's content: as XML elements, or as escaped or CDATA text. */
function atomInline(entry: Node, raw: string | undefined, xml: string): string | null {
  const content = entry.content;
  if (content === undefined) return null;
  if ('alert' in asNode(content)) return inlineAlert(raw, xml);
  const text = textOf(content);
  return text && /^(<\?xml[^>]*>\s*)?<(?:[\w.-]+:)?alert\b/.test(text) ? text : null;
}

/**
 * Reads an Atom or RSS index of CAP messages, as alerting authorities and the WMO Alert Hub
 * publish them: each entry links to one message (a link or enclosure typed application/cap+xml,
 * else the entry's link) or carries it inline. Entries come oldest first (by their dates when all
 * have one, else the reverse of the document, feeds being newest first), each address once.
 * Entries with no usable http(s) address are counted as ignored.
 */
export function parseFeedIndex(xml: string, feedUrl: string): FeedIndex {
  if (/<!DOCTYPE/i.test(xml)) return { ok: false, reason: 'DOCTYPE declarations are not allowed in a feed' };
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) return { ok: false, reason: `not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})` };
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name) => ['entry', 'item', 'link', 'enclosure'].includes(name),
  }).parse(xml) as Node;
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?'));
  const root = asNode(rootName ? doc[rootName] : undefined);
  let found: { entry: Node; url: string | null; inline: string | null }[];
  if (rootName === 'feed') {
    const raws = rawEntries(xml, 'entry');
    found = asList(root.entry).map((e, i) => {
      const entry = asNode(e);
      const inline = atomInline(entry, raws[i], xml);
      return { entry, inline, url: inline ? null : atomLink(entry, feedUrl) };
    });
  } else if (rootName === 'rss' || rootName === 'RDF') {
    const items = rootName === 'rss' ? asNode(root.channel).item : root.item;
    found = asList(items).map((i) => ({ entry: asNode(i), inline: null, url: rssLink(asNode(i), feedUrl) }));
  } else {
    return { ok: false, reason: `not an Atom or RSS feed (root element <${rootName ?? 'none'}>)` };
  }
  const dated = found.map((f, i) => ({ ...f, updated: dateOf(f.entry), order: i }));
  const allDated = dated.every((d) => d.updated !== null);
  dated.sort((a, b) => (allDated ? a.updated! - b.updated! || b.order - a.order : b.order - a.order));
  const seen = new Set<string>();
  const entries: FeedEntry[] = [];
  for (const d of dated) {
    if (d.inline !== null) entries.push({ url: null, inline: d.inline, updated: d.updated });
    else if (d.url !== null && !seen.has(d.url)) {
      seen.add(d.url);
      entries.push({ url: d.url, inline: null, updated: d.updated });
    }
  }
  return { ok: true, entries, ignored: found.filter((f) => f.inline === null && f.url === null).length };
}
