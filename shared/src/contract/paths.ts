/** A path into a JSON value, as zod reports it. */
export type JsonPath = readonly (string | number)[];

/** `items.3.source.kind`: how paths are written in reports and logs (as zod issues are described). */
export const formatPath = (path: JsonPath): string => path.map(String).join('.');

const ID_KEYS = ['occurrenceId', 'id', 'zone', 'alertId', 'requestId'] as const;
const NAME_KEYS = ['title', 'name'] as const;

/**
 * A left-out array element's id and title for people reading a report ("sch_2m8k…:1764324000000
 * (Bản tin thời sự)"), or null when it has neither; at most 200 characters.
 */
export function labelOf(element: unknown): string | null {
  if (!element || typeof element !== 'object' || Array.isArray(element)) return null;
  const record = element as Record<string, unknown>;
  const pick = (keys: readonly string[]) => keys.map((k) => record[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
  const id = pick(ID_KEYS);
  const name = pick(NAME_KEYS);
  const label = id && name ? `${id} (${name})` : (id ?? name);
  return label ? label.slice(0, 200) : null;
}

/** The value at a path, or undefined. */
export function valueAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** A value as short JSON for a report: at most 200 characters. */
export function shortJson(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
