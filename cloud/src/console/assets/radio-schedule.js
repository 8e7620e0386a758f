// Schedule page: a week of what plays where, and the form to create or edit one-off and recurring items.
import { api, ApiFailure, describeFailure, el, fill, formatTime, pageData, say } from './console.js';

const { strings: s, hamlets, lang } = pageData();
const hamletName = new Map(hamlets.map((h) => [h.code, h.name]));
const form = document.getElementById('item-form');
const status = document.getElementById('item-status');
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

// ---- dates in the commune's time zone, as YYYY-MM-DD strings (day arithmetic in UTC to avoid DST/zone surprises)
const todayLocal = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const mondayOf = (date) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
const shortDate = (date) => `${date.slice(8, 10)}/${date.slice(5, 7)}`;
let weekStart = mondayOf(todayLocal());

function where(codes) {
  if (codes.length === hamlets.length) return s.allHamlets;
  return codes.map((c) => hamletName.get(c) ?? c).join(', ');
}

async function showWeek() {
  const to = addDays(weekStart, 6);
  document.getElementById('week-heading').textContent = fill(s.week, { from: shortDate(weekStart), to: shortDate(to) });
  const week = document.getElementById('week');
  try {
    const { occurrences } = await api('GET', `/api/v1/schedules/occurrences?from=${weekStart}&to=${to}`);
    week.replaceChildren(...DAYS.map((day, i) => dayColumn(day, addDays(weekStart, i), occurrences)));
  } catch (err) {
    week.replaceChildren(el('p', { className: 'error', textContent: describeFailure(err, s) }));
  }
}

function dayColumn(day, date, occurrences) {
  const mine = occurrences.filter((o) => o.startLocal.slice(0, 10) === date);
  const list = el('ul');
  for (const o of mine) {
    const label = `${o.startLocal.slice(11, 16)} ${o.title}`;
    // the province's programme is read-only for a commune's people: shown, marked, not opened for editing
    let open;
    if (o.editable) {
      open = el('button', { type: 'button', className: 'link' }, label);
      open.addEventListener('click', () => edit(o.scheduleId));
    } else {
      open = el('span', { className: 'read-only', title: s.provinceReadOnly }, label);
    }
    list.append(el('li', { className: `entry ${o.priority}${o.issuer === 'province' ? ' province' : ''}` }, open, el('br'), el('span', { className: 'hint', textContent: where(o.hamlets) }),
      o.issuer === 'province' ? el('span', { className: 'badge province', textContent: o.editable ? s.provinceItem : `${s.provinceItem} · ${s.readOnly}` }) : null,
      o.issuer === 'province' ? el('a', { href: `/radio/playback?schedule=${encodeURIComponent(o.scheduleId)}`, textContent: s.proofOfPlay }) : null,
      o.priority === 'normal' ? null : el('span', { className: `badge ${o.priority}`, textContent: s[`priority_${o.priority}`] })));
  }
  if (!mine.length) list.append(el('li', { className: 'hint', textContent: s.nothingThisDay }));
  return el('section', { className: `day${date === todayLocal() ? ' today' : ''}` }, el('h3', { textContent: `${s[`day_${day}`]} ${shortDate(date)}` }), list);
}

document.getElementById('prev-week').addEventListener('click', () => { weekStart = addDays(weekStart, -7); showWeek(); });
document.getElementById('next-week').addEventListener('click', () => { weekStart = addDays(weekStart, 7); showWeek(); });
document.getElementById('this-week').addEventListener('click', () => { weekStart = mondayOf(todayLocal()); showWeek(); });

// ---- the form
let editing = null;
const field = (name) => form.elements.namedItem(name);
const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

function syncRepeat() {
  const repeat = checked('repeat')[0];
  document.getElementById('item-weekdays').hidden = repeat !== 'weekly';
  field('interval').closest('.grid').hidden = repeat === 'once';
  field('interval').closest('.stack').hidden = repeat !== 'weekly';
  document.getElementById('item-hamlets').hidden = checked('item-target')[0] !== 'chosen';
  // a province-level person's programme may choose communes (issue 10)
  const communes = document.getElementById('item-communes');
  if (communes) communes.hidden = checked('item-target')[0] !== 'communes';
}
form.addEventListener('change', syncRepeat);

/** The form as the RFC 5545 rule the API stores; null for a one-off. */
function rruleOf() {
  const repeat = checked('repeat')[0];
  if (repeat === 'once') return null;
  const until = field('until').value ? `;UNTIL=${field('until').value.replaceAll('-', '')}` : '';
  if (repeat === 'daily') return `FREQ=DAILY${until}`;
  const interval = Number(field('interval').value) > 1 ? `;INTERVAL=${Number(field('interval').value)}` : '';
  return `FREQ=WEEKLY${interval};BYDAY=${checked('weekday').join(',')}${until}`;
}

function readRrule(rrule) {
  const parts = Object.fromEntries((rrule ?? '').split(';').filter(Boolean).map((p) => p.split('=')));
  const repeat = !rrule ? 'once' : parts.FREQ === 'DAILY' ? 'daily' : 'weekly';
  form.querySelector(`input[name="repeat"][value="${repeat}"]`).checked = true;
  const days = (parts.BYDAY ?? '').split(',');
  for (const box of form.querySelectorAll('input[name="weekday"]')) box.checked = days.includes(box.value);
  field('interval').value = parts.INTERVAL ?? 1;
  const until = parts.UNTIL ?? '';
  field('until').value = until ? `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}` : '';
}

function setTargets(prefix, targets) {
  const chosen = targets.hamlets ?? [];
  const communes = targets.communes ?? [];
  const kind = targets.all ? 'all' : targets.communes ? 'communes' : 'chosen';
  const choice = form.querySelector(`input[name="${prefix}-target"][value="${kind}"]`);
  if (choice) choice.checked = true;
  for (const box of form.querySelectorAll(`input[name="${prefix}-hamlet"]`)) box.checked = chosen.includes(box.value);
  for (const box of form.querySelectorAll(`input[name="${prefix}-commune"]`)) box.checked = communes.includes(box.value);
}

function reset() {
  editing = null;
  form.reset();
  field('date').value = todayLocal();
  document.getElementById('item-heading').textContent = s.newItem;
  document.getElementById('item-cancel').hidden = true;
  document.getElementById('item-delete').hidden = true;
  syncRepeat();
}

async function edit(id) {
  try {
    const item = await api('GET', `/api/v1/schedules/${encodeURIComponent(id)}`);
    // a station's relay windows are kept on the relays page, whose form knows stations
    if (item.source.kind === 'station') {
      location.href = '/radio/stations';
      return;
    }
    editing = item;
    if (item.source.kind === 'bulletin') field('bulletin').value = item.source.bulletinId;
    field('title').value = item.title;
    field('date').value = item.startsLocal.slice(0, 10);
    field('time').value = item.startsLocal.slice(11, 16);
    readRrule(item.rrule);
    setTargets('item', item.targets);
    field('priority').value = item.priority;
    field('volume').value = item.volume;
    document.getElementById('item-heading').textContent = `${s.editItem}: ${item.title}`;
    document.getElementById('item-cancel').hidden = false;
    document.getElementById('item-delete').hidden = false;
    say(status, '');
    syncRepeat();
    field('bulletin').focus();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

function conflictText(err) {
  return (err.details?.conflicts ?? []).map((c) => fill(s.conflict, { title: c.title, at: formatTime(c.firstOverlapAt, lang) })).join(' ');
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const target = checked('item-target')[0];
  const chosen = checked('item-hamlet');
  if (target === 'chosen' && !chosen.length) return say(status, s.pickHamlet, 'error');
  const communes = checked('item-commune');
  if (target === 'communes' && !communes.length) return say(status, s.pickCommune, 'error');
  if (checked('repeat')[0] === 'weekly' && !checked('weekday').length) return say(status, s.pickWeekday, 'error');
  const body = {
    title: field('title').value,
    source: { kind: 'bulletin', bulletinId: field('bulletin').value },
    startsLocal: `${field('date').value}T${field('time').value}`,
    rrule: rruleOf(),
    priority: field('priority').value,
    volume: Number(field('volume').value),
    targets: target === 'all' ? { all: true } : target === 'communes' ? { communes } : { hamlets: chosen },
  };
  say(status, s.saving, 'notice');
  try {
    const saved = editing ? await api('PATCH', `/api/v1/schedules/${encodeURIComponent(editing.id)}`, body) : await api('POST', '/api/v1/schedules', body);
    const next = saved.nextOccurrences[0];
    reset();
    say(status, fill(s.savedItem, { title: saved.title, next: next ? formatTime(next.startAt, lang) : '—' }));
    await showWeek();
  } catch (err) {
    const text = err instanceof ApiFailure && err.status === 409 ? conflictText(err) : describeFailure(err, s);
    say(status, text, 'error');
  }
});

document.getElementById('item-cancel').addEventListener('click', () => { reset(); say(status, ''); });
document.getElementById('item-delete').addEventListener('click', async () => {
  if (!editing || !confirm(fill(s.confirmDelete, { title: editing.title }))) return;
  try {
    await api('DELETE', `/api/v1/schedules/${encodeURIComponent(editing.id)}`);
    reset();
    say(status, s.deleted);
    await showWeek();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
});

field('bulletin').addEventListener('change', () => {
  const option = field('bulletin').selectedOptions[0];
  if (option?.value && !field('title').value) field('title').value = option.dataset.title;
});

async function loadBulletins() {
  const { bulletins } = await api('GET', '/api/v1/bulletins?limit=200');
  field('bulletin').append(...bulletins.map((b) => {
    const option = el('option', { value: b.id, textContent: b.title });
    option.dataset.title = b.title;
    return option;
  }));
  const wanted = new URLSearchParams(location.search).get('bulletin');
  if (wanted && bulletins.some((b) => b.id === wanted)) {
    field('bulletin').value = wanted;
    field('title').value = bulletins.find((b) => b.id === wanted).title;
  }
}

reset();
loadBulletins().catch((err) => say(status, describeFailure(err, s), 'error'));
showWeek();
