// The lists of a camera's zones, masks and rules, and the ids new ones get.
import { actionButton, el } from './console.js';

/** "Cổng trường Ấp 3" → "cong-truong-ap-3", unique among `taken`. */
export function idFrom(name, taken) {
  const stem = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 28) || 'vung';
  let id = stem;
  for (let n = 2; taken.includes(id); n++) id = `${stem}-${n}`;
  return id;
}

/**
 * Fills the list with one line per item: its name, `describe(item)`, then a button per action,
 * each labelled for screen readers with the item's name ("Sửa: Cổng trường").
 */
export function showItems(listId, items, emptyText, describe, actions) {
  const list = document.getElementById(listId);
  if (items.length === 0) return list.replaceChildren(el('li', { className: 'hint' }, emptyText));
  list.replaceChildren(...items.map((item) => {
    const buttons = actions(item).map(({ label, run }) => actionButton(label, item.name ?? item.id, () => run(item)));
    return el('li', {}, el('strong', {}, item.name ?? item.id), ` — ${describe(item)} `, ...buttons.flatMap((b) => [b, ' ']));
  }));
}
