// The province's communes: every change goes through the communes API; after one the page is drawn
// again from the server with the change confirmed, so what is shown is what is stored.
import { api, ApiFailure, describeFailure, el, fill, pageData, say } from './console.js';

const { strings: s } = pageData();
const status = document.getElementById('communes-status');

/** The form's fields as the API takes them: empty ones left out (or null), booleans and lists typed. */
function bodyOf(form) {
  const body = {};
  for (const input of form.querySelectorAll('input[name], select[name]')) {
    const value = input.value.trim();
    if (input.dataset.type === 'list') (body[input.name] ??= []).push(value);
    else if (input.dataset.type === 'boolean') body[input.name] = value === 'true';
    else if (value !== '') body[input.name] = value;
    else if (input.dataset.empty === 'null') body[input.name] = null;
  }
  return body;
}

for (const form of document.querySelectorAll('form.api-form')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    say(status, s.saving, 'notice');
    try {
      const body = bodyOf(form);
      await api(form.dataset.method, form.dataset.path, body);
      const params = new URLSearchParams({ done: form.dataset.done, name: body.name ?? '' });
      location.assign(`${location.pathname}?${params}`);
    } catch (err) {
      say(status, describeFailure(err, s), 'error');
      for (const b of buttons) b.disabled = false;
    }
  });
}

const importForm = document.getElementById('communes-import');
importForm?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = importForm.querySelector('button');
  const wrap = document.getElementById('import-problems-wrap');
  button.disabled = true;
  wrap.hidden = true;
  say(status, s.saving, 'notice');
  try {
    const r = await api('POST', '/api/v1/communes/import', new FormData(importForm));
    const counts = { communes: r.communes.created.length, communesUpdated: r.communes.updated.length, hamlets: r.hamlets.created.length, hamletsUpdated: r.hamlets.updated.length };
    location.assign(`${location.pathname}?${new URLSearchParams({ done: 'imported', ...counts })}`);
  } catch (err) {
    const problems = err instanceof ApiFailure && Array.isArray(err.details) ? err.details : null;
    if (problems) {
      say(status, fill(s.importRefused, { count: problems.length }), 'error');
      document.querySelector('#import-problems tbody').replaceChildren(
        ...problems.map((p) => el('tr', {}, el('td', { textContent: String(p.line) }), el('td', { textContent: p.column ?? '—' }), el('td', { textContent: p.message }))),
      );
      wrap.hidden = false;
    } else say(status, describeFailure(err, s), 'error');
  } finally {
    button.disabled = false;
  }
});
