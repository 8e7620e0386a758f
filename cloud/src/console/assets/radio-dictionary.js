// How the speech engine reads abbreviations (UBND → Ủy ban nhân dân): the list, and add, change or remove one.
import { actionButton, api, describeFailure, el, fill, pageData, say } from './console.js';

const { strings: s } = pageData();
const form = document.getElementById('dictionary-form');
const status = document.getElementById('dictionary-status');
const entryPath = (abbreviation) => `/api/v1/tts/dictionary/${encodeURIComponent(abbreviation)}`;

function row(entry) {
  const edit = actionButton(s.editEntry, entry.abbreviation, () => {
    form.elements.abbreviation.value = entry.abbreviation;
    form.elements.expansion.value = entry.expansion;
    form.elements.expansion.focus();
  });
  const remove = actionButton(s.removeEntry, entry.abbreviation, async () => {
    if (!confirm(fill(s.confirmRemoveAbbreviation, entry))) return;
    try {
      show(await api('DELETE', entryPath(entry.abbreviation)));
      say(status, fill(s.abbreviationRemoved, entry));
    } catch (err) {
      say(status, describeFailure(err, s), 'error');
    }
  });
  return el('tr', {},
    el('td', {}, el('strong', { textContent: entry.abbreviation })),
    el('td', { textContent: entry.expansion }),
    el('td', { textContent: s[`source_${entry.source}`] ?? entry.source }),
    el('td', {}, edit, ' ', remove));
}

function show({ entries }) {
  document.querySelector('#dictionary-list tbody').replaceChildren(...entries.map(row));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const abbreviation = form.elements.abbreviation.value.trim();
  const expansion = form.elements.expansion.value.trim();
  try {
    show(await api('PUT', entryPath(abbreviation), { expansion }));
    say(status, fill(s.abbreviationSaved, { abbreviation, expansion }));
    form.reset();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
});

api('GET', '/api/v1/tts/dictionary').then(show, (err) => say(status, describeFailure(err, s), 'error'));
