/**
 * The little XML this simulator needs: a namespace-aware parser for the SOAP requests and
 * WS-Discovery probes that clients send (no DTDs, no external entities), and escaping for replies.
 */

export interface XmlElement {
  /** Namespace URI ('' when none). */
  ns: string;
  local: string;
  prefix: string;
  /** Attributes by their local name (namespaced attributes keep only the local name). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content directly inside this element. */
  text: string;
  /** Prefix → namespace declarations in scope at this element. */
  scope: Record<string, string>;
}

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ent: string) => {
    if (ent.startsWith('#x')) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    if (ent.startsWith('#')) return String.fromCodePoint(parseInt(ent.slice(1), 10));
    const v = ENTITIES[ent];
    if (v === undefined) throw new XmlError(`unknown entity ${whole}`);
    return v;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const NAME = '[A-Za-z_][\\w.\\-]*(?::[A-Za-z_][\\w.\\-]*)?';
const START_TAG = new RegExp(`^<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`);
const ATTR = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');
const END_TAG = new RegExp(`^</(${NAME})\\s*>`);

function splitName(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

/** Index of the `>` closing the tag that starts at `pos` (quotes may contain `>`). */
function tagEnd(input: string, pos: number): number {
  let quote = '';
  for (let i = pos; i < input.length; i++) {
    const c = input[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  throw new XmlError('unterminated tag');
}

/** Parses a document and returns its root element. Throws XmlError on anything malformed. */
export function parseXml(input: string): XmlElement {
  let pos = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  while (pos < input.length) {
    const lt = input.indexOf('<', pos);
    const textEnd = lt < 0 ? input.length : lt;
    if (textEnd > pos) {
      const text = input.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(text);
      else if (text.trim()) throw new XmlError('text outside the root element');
      pos = textEnd;
      continue;
    }
    if (input.startsWith('<?', pos)) {
      const end = input.indexOf('?>', pos);
      if (end < 0) throw new XmlError('unterminated processing instruction');
      pos = end + 2;
    } else if (input.startsWith('<!--', pos)) {
      const end = input.indexOf('-->', pos);
      if (end < 0) throw new XmlError('unterminated comment');
      pos = end + 3;
    } else if (input.startsWith('<![CDATA[', pos)) {
      const end = input.indexOf(']]>', pos);
      if (end < 0) throw new XmlError('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlError('CDATA outside the root element');
      top.text += input.slice(pos + 9, end);
      pos = end + 3;
    } else if (input.startsWith('<!', pos)) {
      throw new XmlError('DTDs are not accepted');
    } else if (input.startsWith('</', pos)) {
      const m = END_TAG.exec(input.slice(pos, tagEnd(input, pos) + 1));
      if (!m) throw new XmlError(`malformed end tag at ${pos}`);
      const top = stack.pop();
      const [prefix, local] = splitName(m[1]!);
      if (!top || top.local !== local || top.prefix !== prefix) throw new XmlError(`mismatched end tag </${m[1]}>`);
      pos += m[0].length;
    } else {
      const m = START_TAG.exec(input.slice(pos, tagEnd(input, pos) + 1));
      if (!m) throw new XmlError(`malformed start tag at ${pos}`);
      const parent = stack[stack.length - 1];
      if (!parent && root) throw new XmlError('more than one root element');
      const scope: Record<string, string> = { ...(parent?.scope ?? { xml: 'http://www.w3.org/XML/1998/namespace' }) };
      const rawAttrs: [string, string][] = [];
      for (const a of m[2]!.matchAll(ATTR)) {
        const value = decodeEntities(a[2] ?? a[3] ?? '');
        const name = a[1]!;
        if (name === 'xmlns') scope[''] = value;
        else if (name.startsWith('xmlns:')) scope[name.slice(6)] = value;
        else rawAttrs.push([name, value]);
      }
      const [prefix, local] = splitName(m[1]!);
      const ns = scope[prefix];
      if (ns === undefined && prefix) throw new XmlError(`undeclared prefix ${prefix}`);
      const el: XmlElement = { ns: ns ?? '', local, prefix, attrs: {}, children: [], text: '', scope };
      for (const [name, value] of rawAttrs) el.attrs[splitName(name)[1]] = value;
      if (parent) parent.children.push(el);
      else root = el;
      if (!m[3]) stack.push(el);
      pos += m[0].length;
    }
  }
  if (stack.length) throw new XmlError(`unclosed element <${stack[stack.length - 1]!.local}>`);
  if (!root) throw new XmlError('no root element');
  return root;
}

/** First child element with that local name (and namespace, when given). */
export function child(el: XmlElement | undefined, local: string, ns?: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local && (ns === undefined || c.ns === ns));
}

/** First descendant (depth-first) with that local name (and namespace, when given). */
export function descendant(el: XmlElement | undefined, local: string, ns?: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) {
    if (c.local === local && (ns === undefined || c.ns === ns)) return c;
    const found = descendant(c, local, ns);
    if (found) return found;
  }
  return undefined;
}

/** Trimmed text of the first descendant with that local name, or undefined. */
export function textOf(el: XmlElement | undefined, local: string, ns?: string): string | undefined {
  const found = descendant(el, local, ns);
  return found ? found.text.trim() : undefined;
}

/** Resolves a QName such as `dn:NetworkVideoTransmitter` in the scope of an element. */
export function resolveQName(el: XmlElement, qname: string): { ns: string | undefined; local: string } {
  const [prefix, local] = splitName(qname);
  return { ns: el.scope[prefix], local };
}
