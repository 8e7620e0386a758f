import type { z } from 'zod';
import { describeIssues } from '../messages/issues.js';
import { formatPath, labelOf, shortJson, valueAt, type JsonPath } from './paths.js';

/** Something of a document a box did not understand and did without. */
export interface IgnoredPart {
  /** Where the value it did not know is, in the document as sent: `items.3.source.kind`. */
  path: string;
  /** That value, as JSON (at most 200 characters). */
  value: string;
  /**
   * What the box did: `dropped` (the array element `left` is left out), `defaulted` (the field is
   * read as absent: its default applies) or `unknown-field` (a field it does not know, ignored).
   */
  effect: string;
  /** What was left out: the array element for `dropped`, the field otherwise. */
  left: string;
  /** The left-out element's id and title, when it has them. */
  label: string | null;
  /**
   * How many parts this entry stands for, when more than one: the same unknown field in many
   * elements (path with `*` for the indices), or the parts past the report's limit (effect `more`).
   */
  count?: number;
}

export type LenientResult<T> =
  | { ok: true; value: T; ignored: IgnoredPart[] }
  | { ok: false; reason: string };

/** Rounds of leaving parts out before giving up: each round settles every problem zod reported. */
const MAX_ROUNDS = 8;
/** Entries a report lists (the contract's bound on `reported.ignored`); the rest are counted in a last `more` entry. */
export const MAX_IGNORED = 100;

/**
 * A value a newer peer may send that this code does not know: an enum or literal value, or a
 * union's discriminator (an item of an unknown kind). Other problems (a wrong type, a number out
 * of range, a missing field) are errors of the sender, not a version gap, and still refuse.
 */
function isUnknownValue(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_value') return true;
  return issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator';
}

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** Unwraps optional, default, nullable, pipes and the like down to the schema that reads the value. */
function core(schema: unknown): unknown {
  for (let i = 0; i < 32; i++) {
    const def = defOf(schema);
    if (!def) return schema;
    if (['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'promise'].includes(def.type)) schema = def.innerType;
    else if (def.type === 'pipe') schema = defOf(def.in)?.type === 'transform' ? def.out : def.in;
    else if (def.type === 'lazy') schema = (def.getter as () => unknown)();
    else return schema;
  }
  return schema;
}

/** The schema of one child (object key or array index) of a value read by `schema`, or undefined. */
function childSchema(schema: unknown, value: unknown, key: string | number): unknown {
  const inner = core(schema);
  const def = defOf(inner);
  if (!def) return undefined;
  switch (def.type) {
    case 'object':
      return (def.shape as Record<string, unknown>)[key];
    case 'array':
      return def.element;
    case 'tuple':
      return (def.items as unknown[])[Number(key)] ?? def.rest;
    case 'record':
      return def.valueType;
    case 'intersection':
      return childSchema(def.left, value, key) ?? childSchema(def.right, value, key);
    case 'union': {
      // the option that reads this value: by discriminator when there is one, else the first that has the key
      const options = def.options as unknown[];
      const disc = def.discriminator as string | undefined;
      const record = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
      for (const option of options) {
        if (disc) {
          const field = childSchema(option, value, disc);
          if (!field || !(field as z.ZodType).safeParse(record[disc]).success) continue;
        }
        const child = childSchema(option, value, key);
        if (child) return child;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function schemaAt(root: z.ZodType, data: unknown, path: JsonPath): unknown {
  let schema: unknown = root;
  for (let i = 0; i < path.length && schema; i++) schema = childSchema(schema, valueAt(data, path.slice(0, i)), path[i]!);
  return schema;
}

/** A field that may be absent (optional, or with a default): leaving it out is always valid. */
const omittable = (schema: unknown) => schema !== undefined && (schema as z.ZodType).safeParse(undefined).success;

/** Remembers where each object and array was in the document as sent, so reports name its original indices. */
function originalPaths(root: unknown): WeakMap<object, JsonPath> {
  const paths = new WeakMap<object, JsonPath>();
  const walk = (node: unknown, path: JsonPath) => {
    if (!node || typeof node !== 'object') return;
    paths.set(node, path);
    for (const [key, child] of Object.entries(node)) walk(child, [...path, Array.isArray(node) ? Number(key) : key]);
  };
  walk(root, []);
  return paths;
}

/** A path in the current (pruned) document as it was in the document sent. */
function originalPath(root: unknown, path: JsonPath, paths: WeakMap<object, JsonPath>): string {
  let result: JsonPath = [];
  let node: unknown = root;
  for (const seg of path) {
    node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined;
    const known = node && typeof node === 'object' ? paths.get(node) : undefined;
    result = known ?? [...result, seg];
  }
  return formatPath(result);
}

/** Fields of the value sent that the parsed value does not have: fields this version does not know. */
function unknownFields(raw: unknown, parsed: unknown, path: JsonPath, out: JsonPath[]): void {
  if (!raw || typeof raw !== 'object' || !parsed || typeof parsed !== 'object') return;
  if (Array.isArray(raw)) {
    if (Array.isArray(parsed)) raw.forEach((item, i) => unknownFields(item, parsed[i], [...path, i], out));
    return;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(parsed, key)) out.push([...path, key]);
    else unknownFields(value, (parsed as Record<string, unknown>)[key], [...path, key], out);
  }
}

/**
 * Parses a document as a box of this version can take it, instead of refusing all of it for one
 * value it does not know. For each unknown value (see isUnknownValue), from the value up:
 * - a field that may be absent (optional or with a default) is read as absent (`defaulted`):
 *   an unknown severity becomes the default `alert`, an unknown log level is no log level;
 * - otherwise the nearest array element holding it is left out (`dropped`): a plan item of an
 *   unknown source kind or priority, a speaker of an unknown driver, a camera of an unknown kind;
 * - with no such element the document is refused, as before (an unknown value of a required
 *   field at the top).
 * Fields this version does not know are ignored, as zod does, and listed (`unknown-field`).
 * Any other problem refuses the document with zod's description.
 */
export function parseLeniently<T>(schema: z.ZodType<T>, input: unknown): LenientResult<T> {
  const first = schema.safeParse(input);
  if (first.success) return { ok: true, value: first.data, ignored: summarize(fieldsIgnored(input, first.data)) };
  const data = structuredClone(input);
  const paths = originalPaths(data);
  const ignored: IgnoredPart[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const parsed = round === 0 ? first : schema.safeParse(data);
    if (parsed.success) return { ok: true, value: parsed.data, ignored: summarize([...ignored, ...fieldsIgnored(data, parsed.data, paths)]) };
    const errors = parsed.error.issues.filter((issue) => !isUnknownValue(issue));
    if (errors.length) return { ok: false, reason: describeIssues({ issues: errors } as z.ZodError) };
    const drops = new Map<unknown[], Set<number>>();
    for (const issue of parsed.error.issues) {
      const settled = settle(schema, data, issue.path as JsonPath, paths, drops);
      if (!settled) return { ok: false, reason: describeIssues(parsed.error) };
      ignored.push(settled);
    }
    for (const [array, indices] of drops) for (const i of [...indices].sort((a, b) => b - a)) array.splice(i, 1);
  }
  return { ok: false, reason: `could not leave out what this version does not know within ${MAX_ROUNDS} rounds` };
}

/** Settles one unknown value by leaving out its field or its array element; null when neither is possible. */
function settle(schema: z.ZodType, data: unknown, path: JsonPath, paths: WeakMap<object, JsonPath>, drops: Map<unknown[], Set<number>>): IgnoredPart | null {
  const where = originalPath(data, path, paths);
  const value = shortJson(valueAt(data, path));
  for (let i = path.length - 1; i >= 0; i--) {
    const parentPath = path.slice(0, i);
    const parent = valueAt(data, parentPath);
    const seg = path[i]!;
    if (Array.isArray(parent) && typeof seg === 'number') {
      const element = parent[seg] as unknown;
      const set = drops.get(parent) ?? new Set<number>();
      drops.set(parent, set.add(seg));
      return { path: where, value, effect: 'dropped', left: originalPath(data, path.slice(0, i + 1), paths), label: labelOf(element) };
    }
    if (parent && typeof parent === 'object' && omittable(schemaAt(schema, data, path.slice(0, i + 1)))) {
      const left = originalPath(data, path.slice(0, i + 1), paths);
      delete (parent as Record<string, unknown>)[seg];
      return { path: where, value, effect: 'defaulted', left, label: null };
    }
  }
  return null;
}

function fieldsIgnored(raw: unknown, parsed: unknown, paths?: WeakMap<object, JsonPath>): IgnoredPart[] {
  const found: JsonPath[] = [];
  unknownFields(raw, parsed, [], found);
  return found.map((path) => {
    const where = paths ? originalPath(raw, path, paths) : formatPath(path);
    return { path: where, value: shortJson(valueAt(raw, path)), effect: 'unknown-field', left: where, label: null };
  });
}

/**
 * The report's list, bounded: an unknown field met in many elements is one entry (indices as `*`,
 * with its count), and past MAX_IGNORED entries the rest are counted in one `more` entry. Nothing
 * is refused for being many: a plan of a newer cloud may hold an optional field in every item.
 */
function summarize(parts: IgnoredPart[]): IgnoredPart[] {
  const fields = new Map<string, IgnoredPart[]>();
  const others: IgnoredPart[] = [];
  for (const part of parts) {
    if (part.effect !== 'unknown-field') others.push(part);
    else {
      const pattern = part.path.replace(/\.\d+(?=\.|$)/g, '.*');
      fields.set(pattern, [...(fields.get(pattern) ?? []), part]);
    }
  }
  const grouped = [...fields.entries()].map(([pattern, same]) =>
    same.length === 1 ? same[0]! : { ...same[0]!, path: pattern, left: pattern, count: same.length },
  );
  const all = [...others, ...grouped];
  if (all.length <= MAX_IGNORED) return all;
  const kept = all.slice(0, MAX_IGNORED - 1);
  const rest = all.slice(MAX_IGNORED - 1).reduce((n, part) => n + (part.count ?? 1), 0);
  return [...kept, { path: '', value: '', effect: 'more', left: '', label: null, count: rest }];
}
