// Where the hamlets lie: one hamlet's centre and radius, a CSV or GeoJSON file of many, the commune's administrative codes.
import { api, ApiFailure, describeFailure, el, fill, pageData, runChange, say } from './console.js';

const { strings: s } = pageData();
const status = document.getElementById('locations-status');
const form = document.getElementById('location-form');
const hamletName = (code) => form.elements.namedItem('code').querySelector(`option[value="${code}"]`)?.textContent ?? code;

function sourceText(h) {
  if (h.source === 'boxes') return fill(s.source_boxes, { n: h.boxes.length });
  const text = s[`source_${h.source}`];
  return h.outline ? `${text}, ${fill(s.outlinePoints, { n: h.outline.length })}` : text;
}

async function refresh() {
  try {
    // a province-level person of a province of several communes sets each commune's codes on its
    // commune page (/admin/communes/…): here the codes form is then left out, the hamlets still shown
    const [{ hamlets }, codes] = await Promise.all([
      api('GET', '/api/v1/hamlets/locations'),
      api('GET', '/api/v1/commune/admin-codes').catch((err) => (err instanceof ApiFailure && err.status === 400 ? null : Promise.reject(err))),
    ]);
    document.querySelector('#location-list tbody').replaceChildren(...hamlets.map((h) => el('tr', {},
      el('td', { textContent: h.name }),
      el('td', { textContent: h.lat ?? '—' }),
      el('td', { textContent: h.lon ?? '—' }),
      el('td', { textContent: h.radiusM ?? '—' }),
      el('td', { textContent: sourceText(h) }),
    )));
    document.getElementById('codes-form').hidden = codes === null;
    if (codes) {
      document.getElementById('codes-commune').value = codes.adminCode ?? '';
      document.getElementById('codes-province').value = codes.provinceAdminCode ?? '';
    }
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

/** On submit of the form: runs the change, says what happened, and shows the table again. */
const onSubmit = (target, action) => target.addEventListener('submit', (event) => {
  event.preventDefault();
  say(status, s.saving, 'notice');
  return runChange([target.querySelector('button[type="submit"]')], { status, strings: s, after: refresh }, action);
});

onSubmit(form, async () => {
  const data = new FormData(form);
  const code = data.get('code');
  await api('PUT', `/api/v1/hamlets/${encodeURIComponent(code)}/location`, { lat: Number(data.get('lat')), lon: Number(data.get('lon')), radiusM: Number(data.get('radiusM')) });
  return fill(s.locationSaved, { hamlet: hamletName(code) });
});

const importForm = document.getElementById('location-import');
onSubmit(importForm, async () => {
  const { imported } = await api('POST', '/api/v1/hamlets/locations', new FormData(importForm));
  importForm.reset();
  return fill(s.imported, { n: imported });
});

const codesForm = document.getElementById('codes-form');
onSubmit(codesForm, async () => {
  const data = new FormData(codesForm);
  const value = (name) => String(data.get(name)).trim() || null;
  await api('PUT', '/api/v1/commune/admin-codes', { adminCode: value('adminCode'), provinceAdminCode: value('provinceAdminCode') });
  return s.codesSaved;
});

refresh();
