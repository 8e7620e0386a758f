import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { DateTime } from 'luxon';
import { parseCapCircle, parseCapPolygon, type LatLon } from './cap-geography.js';

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';
/** A CAP message is a few kilobytes; anything far larger is refused before parsing. */
export const MAX_CAP_BYTES = 256 * 1024;

export const CAP_STATUSES = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
const CATEGORIES = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'] as const;
const URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
const SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
const CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;

export interface CapReference {
  sender: string;
  identifier: string;
  sent: string;
}

export interface CapValue {
  valueName: string;
  value: string;
}

export interface CapArea {
  areaDesc: string;
  /** Each a closed ring of [lat, lon] (WGS 84). */
  polygons: LatLon[][];
  circles: { centre: LatLon; radiusM: number }[];
  geocodes: CapValue[];
}

export interface CapInfo {
  language: string;
  categories: (typeof CATEGORIES)[number][];
  event: string;
  urgency: (typeof URGENCIES)[number];
  severity: (typeof SEVERITIES)[number];
  certainty: (typeof CERTAINTIES)[number];
  headline: string | null;
  description: string | null;
  instruction: string | null;
  /** Epoch ms: when the information takes effect; null when the message does not say (then at once). */
  effective: number | null;
  /** Epoch ms: when the hazard is expected to begin; null when the message does not say. */
  onset: number | null;
  /** Epoch ms; null when the message does not say. */
  expires: number | null;
  parameters: CapValue[];
  areas: CapArea[];
}

export interface CapAlert {
  identifier: string;
  sender: string;
  /** Epoch ms. */
  sent: number;
  status: (typeof CAP_STATUSES)[number];
  msgType: (typeof CAP_MSG_TYPES)[number];
  scope: (typeof CAP_SCOPES)[number];
  references: CapReference[];
  infos: CapInfo[];
}

export type CapParseResult = { ok: true; alert: CapAlert } | { ok: false; reason: string; problems: string[] };

/** Elements CAP lets repeat: always arrays after parsing, however many the document has. */
const REPEATABLE = new Set(['info', 'category', 'responseType', 'eventCode', 'parameter', 'resource', 'area', 'polygon', 'circle', 'geocode', 'code']);

/**
 * CAP 1.2 date-time: `YYYY-MM-DDThh:mm:ss` with a numeric offset. `Z` and fractions of a second
 * are tolerated (unambiguous, though the schema forbids them); anything else is refused.
 */
const CAP_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/** Identifiers and senders must not contain spaces, commas, `<` or `&` (CAP 1.2 §3.2.1). */
const CAP_TOKEN = /^[^\s,<&]+$/;

type Node = Record<string, unknown>;

/** Collects what is wrong while reading; the reader returns what it can so every problem is reported at once. */
class Reader {
  readonly problems: string[] = [];

  text(node: Node, name: string, path: string, required: boolean): string | null {
    const value = node[name];
    if (value === undefined || value === '') {
      if (required) this.problems.push(`${path}/${name} is missing`);
      return null;
    }
    if (typeof value !== 'string') {
      this.problems.push(`${path}/${name} must be text`);
      return null;
    }
    return value;
  }

  oneOf<T extends string>(node: Node, name: string, path: string, allowed: readonly T[]): T | null {
    const value = this.text(node, name, path, true);
    if (value === null) return null;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${path}/${name} "${value}" is not one of ${allowed.join(', ')}`);
      return null;
    }
    return value as T;
  }

  dateTime(node: Node, name: string, path: string, required: boolean): number | null {
    const value = this.text(node, name, path, required);
    if (value === null) return null;
    const parsed = CAP_DATE_TIME.test(value) ? DateTime.fromISO(value, { setZone: true }) : null;
    if (!parsed?.isValid) {
      this.problems.push(`${path}/${name} "${value}" is not a CAP date-time such as 2026-10-27T14:00:00+07:00`);
      return null;
    }
    return parsed.toMillis();
  }

  token(node: Node, name: string, path: string): string | null {
    const value = this.text(node, name, path, true);
    if (value !== null && !CAP_TOKEN.test(value)) {
      this.problems.push(`${path}/${name} "${value}" must not contain spaces, commas, "<" or "&"`);
      return null;
    }
    return value;
  }

  nodes(node: Node, name: string, path: string): Node[] {
    const value = node[name];
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.flatMap((item, i) => {
      if (item && typeof item === 'object') return [item as Node];
      this.problems.push(`${path}/${name}[${i + 1}] must contain elements`);
      return [];
    });
  }

  values(node: Node, name: string, path: string): CapValue[] {
    return this.nodes(node, name, path).flatMap((v, i) => {
      const at = `${path}/${name}[${i + 1}]`;
      const valueName = this.text(v, 'valueName', at, true);
      const value = this.text(v, 'value', at, true);
      return valueName !== null && value !== null ? [{ valueName, value }] : [];
    });
  }

  strings(node: Node, name: string, path: string): string[] {
    const value = node[name];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).flatMap((v) => {
      if (typeof v === 'string') return [v];
      this.problems.push(`${path}/${name} must be text`);
      return [];
    });
  }
}

function readReferences(text: string | null, reader: Reader): CapReference[] {
  if (text === null) return [];
  return text
    .trim()
    .split(/\s+/)
    .flatMap((triple) => {
      const parts = triple.split(',');
      if (parts.length !== 3 || parts.some((p) => p === '')) {
        reader.problems.push(`alert/references "${triple}" is not a sender,identifier,sent triple`);
        return [];
      }
      const [sender, identifier, sent] = parts as [string, string, string];
      return [{ sender, identifier, sent }];
    });
}

function readInfo(node: Node, path: string, reader: Reader): CapInfo {
  const categories = reader.strings(node, 'category', path);
  if (categories.length === 0) reader.problems.push(`${path}/category is missing`);
  for (const c of categories) if (!(CATEGORIES as readonly string[]).includes(c)) reader.problems.push(`${path}/category "${c}" is not one of ${CATEGORIES.join(', ')}`);
  return {
    language: reader.text(node, 'language', path, false) ?? 'en-US',
    categories: categories as CapInfo['categories'],
    event: reader.text(node, 'event', path, true) ?? '',
    urgency: reader.oneOf(node, 'urgency', path, URGENCIES) ?? 'Unknown',
    severity: reader.oneOf(node, 'severity', path, SEVERITIES) ?? 'Unknown',
    certainty: reader.oneOf(node, 'certainty', path, CERTAINTIES) ?? 'Unknown',
    headline: reader.text(node, 'headline', path, false),
    description: reader.text(node, 'description', path, false),
    instruction: reader.text(node, 'instruction', path, false),
    effective: reader.dateTime(node, 'effective', path, false),
    onset: reader.dateTime(node, 'onset', path, false),
    expires: reader.dateTime(node, 'expires', path, false),
    parameters: reader.values(node, 'parameter', path),
    areas: reader.nodes(node, 'area', path).map((area, i) => readArea(area, `${path}/area[${i + 1}]`, reader)),
  };
}

/**
 * CAP nests five elements deep (alert/info/area/geocode/value). The parser throws past its depth
 * bound (100 by default; 30,000 levels fit in MAX_CAP_BYTES), which answered 500: the bound is set
 * here and a deeper document is refused as a bad request, like any other that is not CAP.
 */
export const MAX_CAP_DEPTH = 32;

const TOO_DEEP = `elements are nested deeper than ${MAX_CAP_DEPTH} levels; a CAP message has about five`;

/** What the parser makes of a well-formed document, or null when it is nested too deep. */
function parseXml(xml: string, options: X2jOptions): Node | null {
  try {
    return new XMLParser({ ...options, maxNestedTags: MAX_CAP_DEPTH }).parse(xml) as Node;
  } catch (err) {
    if (err instanceof Error && /nested/i.test(err.message)) return null;
    throw err;
  }
}

/** An area with its shapes; a shape not in CAP's form is named among the problems. */
function readArea(area: Node, at: string, reader: Reader): CapArea {
  const polygons: CapArea['polygons'] = [];
  const circles: CapArea['circles'] = [];
  reader.strings(area, 'polygon', at).forEach((text, i) => {
    const polygon = parseCapPolygon(text);
    if ('error' in polygon) reader.problems.push(`${at}/polygon[${i + 1}]: ${polygon.error}`);
    else polygons.push(polygon.ring);
  });
  reader.strings(area, 'circle', at).forEach((text, i) => {
    const circle = parseCapCircle(text);
    if ('error' in circle) reader.problems.push(`${at}/circle[${i + 1}]: ${circle.error}`);
    else circles.push(circle);
  });
  return { areaDesc: reader.text(area, 'areaDesc', at, true) ?? '', polygons, circles, geocodes: reader.values(area, 'geocode', at) };
}

/** The root element's name and namespace, read without stripping prefixes. */
function rootNamespace(doc: Node): { name: string; namespace: string | null } | null {
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?'));
  if (!rootName) return null;
  const root = doc[rootName];
  const attrs = root && typeof root === 'object' ? (root as Node) : {};
  const prefix = rootName.includes(':') ? rootName.slice(0, rootName.indexOf(':')) : null;
  const ns = attrs[prefix ? `@_xmlns:${prefix}` : '@_xmlns'];
  return { name: rootName.slice(rootName.indexOf(':') + 1), namespace: typeof ns === 'string' ? ns : null };
}

const invalid = (problems: string[]): CapParseResult => ({ ok: false, reason: problems.join('; '), problems });

/**
 * Parses and validates an OASIS CAP 1.2 document: well-formed XML, the CAP 1.2 namespace, the
 * required alert elements with their allowed values, references for Update and Cancel, and in
 * each info block category, event, urgency, severity and certainty. Info may be absent only
 * from a Cancel. Every problem found is named in the reason.
 */
export function parseCap(xml: string): CapParseResult {
  if (Buffer.byteLength(xml) > MAX_CAP_BYTES) return invalid([`the document is larger than ${MAX_CAP_BYTES / 1024} KiB`]);
  if (/<!DOCTYPE/i.test(xml)) return invalid(['DOCTYPE declarations are not allowed in a CAP message']);
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) return invalid([`not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`]);
  const raw = parseXml(xml, { ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: false, processEntities: false });
  const doc = raw && parseXml(xml, { ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (name) => REPEATABLE.has(name) });
  if (!raw || !doc) return invalid([TOO_DEEP]);
  const root = rootNamespace(raw);
  if (!root || root.name !== 'alert' || root.namespace !== CAP_NAMESPACE) {
    const found = root ? `<${root.name}> in namespace ${root.namespace ?? '(none)'}` : 'no root element';
    return invalid([`the root element must be <alert> in the CAP 1.2 namespace ${CAP_NAMESPACE} (found ${found})`]);
  }
  const alert = doc.alert as Node;
  const reader = new Reader();
  const path = 'alert';
  const msgType = reader.oneOf(alert, 'msgType', path, CAP_MSG_TYPES);
  const parsed: CapAlert = {
    identifier: reader.token(alert, 'identifier', path) ?? '',
    sender: reader.token(alert, 'sender', path) ?? '',
    sent: reader.dateTime(alert, 'sent', path, true) ?? 0,
    status: reader.oneOf(alert, 'status', path, CAP_STATUSES) ?? 'Actual',
    msgType: msgType ?? 'Alert',
    scope: reader.oneOf(alert, 'scope', path, CAP_SCOPES) ?? 'Public',
    references: readReferences(reader.text(alert, 'references', path, msgType === 'Update' || msgType === 'Cancel'), reader),
    infos: reader.nodes(alert, 'info', path).map((info, i) => readInfo(info, `${path}/info[${i + 1}]`, reader)),
  };
  if (parsed.infos.length === 0 && (msgType === 'Alert' || msgType === 'Update')) reader.problems.push(`alert/info is missing: an ${msgType} needs at least one info block`);
  return reader.problems.length ? invalid(reader.problems) : { ok: true, alert: parsed };
}
