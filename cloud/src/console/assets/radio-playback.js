// Proof of play: filter by hamlet, dates and state; planned vs actual start; the same filters as a CSV download.
import { api, describeFailure, el, fill, formatDuration, formatTime, pageData, say } from './console.js';

const { strings: s, lang } = pageData();
const form = document.getElementById('playback-form');
const status = document.getElementById('pb-status');

function query() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
  return params;
}

async function show() {
  const params = query();
  document.getElementById('pb-csv').href = `/api/v1/playback.csv?${params}`;
  params.set('limit', '200');
  const body = document.querySelector('#pb-list tbody');
  try {
    const { items, total } = await api('GET', `/api/v1/playback?${params}`);
    say(status, '');
    document.getElementById('pb-total').textContent = fill(s.total, { n: total });
    body.replaceChildren(...(items.length ? items.map(row) : [el('tr', {}, el('td', { colSpan: 8, textContent: s.noPlayback }))]));
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

function row(p) {
  return el('tr', {},
    el('td', { textContent: p.hamletName ?? '—' }),
    el('td', { textContent: p.edgeName }),
    el('td', { textContent: p.durationMs === null ? p.title : `${p.title} (${formatDuration(p.durationMs)})` }),
    el('td', { textContent: formatTime(p.plannedStartAt, lang, true) }),
    el('td', { textContent: formatTime(p.actualStartAt, lang, true) }),
    el('td', { textContent: p.offsetMs === null ? '—' : `${p.offsetMs > 0 ? '+' : ''}${p.offsetMs}` }),
    el('td', {}, el('span', { className: `badge ${p.state}`, textContent: s[`state_${p.state}`] ?? p.state })),
    el('td', { textContent: p.reason ?? '' }),
  );
}

// one programme's proof of play (linked from the calendar): a line per commune above the plays
async function showCommunes() {
  const schedule = new FormData(form).get('schedule');
  const table = document.querySelector('#pb-communes tbody');
  if (!schedule || !table) return;
  try {
    const { communes } = await api('GET', `/api/v1/playback/by-commune?schedule=${encodeURIComponent(schedule)}`);
    table.replaceChildren(...(communes.length
      ? communes.map((c) => el('tr', {},
        el('th', { scope: 'row', textContent: c.communeName ?? c.communeCode ?? '—' }),
        el('td', { textContent: String(c.boxes) }),
        el('td', { textContent: String(c.hamlets) }),
        el('td', { textContent: String(c.completed) }),
        el('td', { textContent: String(c.failed) }),
        el('td', { textContent: String(c.missed) }),
        el('td', { textContent: formatTime(c.firstStartedAt, lang, true) })))
      : [el('tr', {}, el('td', { colSpan: 7, textContent: s.noCommunePlayback }))]));
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  show();
});
form.addEventListener('change', () => { document.getElementById('pb-csv').href = `/api/v1/playback.csv?${query()}`; });
show();
showCommunes();
