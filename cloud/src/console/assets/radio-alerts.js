// Emergency alert page: fill in, review and confirm, then see where and when it started; stop active alerts.
import { api, describeFailure, el, fill, formatTime, pageData, say } from './console.js';
import { fetchReach, reachLine } from './radio-reach.js';

const { strings: s, hamlets, lang } = pageData();
const form = document.getElementById('alert-form');
const confirmBox = document.getElementById('alert-confirm');
const status = document.getElementById('alert-status');
const hamletName = new Map(hamlets.map((h) => [h.code, h.name]));
const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
let pending = null;

const syncTargets = () => { document.getElementById('alert-hamlets').hidden = checked('alert-target')[0] !== 'chosen'; };
form.addEventListener('change', syncTargets);
syncTargets();

function whereText(targets) {
  return targets.all ? s.allHamlets : targets.hamlets.map((c) => hamletName.get(c) ?? c).join(', ');
}

// step 1: the form becomes a request, shown for confirmation
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const chosen = checked('alert-hamlet');
  if (checked('alert-target')[0] === 'chosen' && !chosen.length) return say(status, s.pickHamlet, 'error');
  const kind = data.get('kind');
  pending = {
    text: data.get('text'),
    severity: data.get('severity'),
    kind,
    targets: checked('alert-target')[0] === 'all' ? { all: true } : { hamlets: chosen },
    expiresAt: Date.now() + Number(data.get('hours')) * 3_600_000,
    ...(data.get('title') ? { title: data.get('title') } : {}),
    ...(data.get('repeat') ? { repeatEveryMinutes: Number(data.get('repeat')) } : {}),
  };
  document.getElementById('confirm-text').textContent = fill(s.confirmText, { where: whereText(pending.targets), until: formatTime(pending.expiresAt, lang) });
  document.getElementById('confirm-quote').textContent = `${s[`kind_${kind}`]} — ${s[`severity_${pending.severity}`]}: ${pending.text}`;
  form.hidden = true;
  confirmBox.hidden = false;
  say(status, '');
  document.getElementById('alert-send').focus();
});

document.getElementById('alert-back').addEventListener('click', () => {
  confirmBox.hidden = true;
  form.hidden = false;
  form.elements.namedItem('text').focus();
});

// step 2: sent only after the explicit confirmation
document.getElementById('alert-send').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  say(status, s.sending, 'notice');
  try {
    const alert = await api('POST', '/api/v1/alerts', pending);
    say(status, fill(s.started, { at: formatTime(alert.startsAt, lang, true), where: alert.hamlets.map((h) => h.name).join(', ') }));
    form.reset();
    syncTargets();
    confirmBox.hidden = true;
    form.hidden = false;
    await listActive();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  } finally {
    button.disabled = false;
  }
});

/** What the table shows now: redrawn only when it changes, so a focused "Dừng" button keeps its focus. */
let shown = '';

async function listActive() {
  const body = document.querySelector('#alert-list tbody');
  try {
    const { alerts } = await api('GET', '/api/v1/alerts?status=active');
    // each alert with where it went: its hamlets' loudspeakers, and the phones (Zalo OA, Web Push)
    const details = await Promise.all(alerts.map(async (a) => ({
      ...(await api('GET', `/api/v1/alerts/${encodeURIComponent(a.id)}`)),
      reach: await fetchReach(`alert:${a.id}`),
    })));
    const fresh = JSON.stringify(details);
    if (fresh === shown) return;
    shown = fresh;
    body.replaceChildren(...(details.length ? details.map(row) : [el('tr', {}, el('td', { colSpan: 5, textContent: s.noAlerts }))]));
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

/** Each targeted hamlet with what its boxes reported: when the alert first started there, and its last state. */
function progressList(hamlets) {
  return el('ul', { className: 'plain' }, ...hamlets.map((h) => {
    const progress = h.state
      ? fill(s.hamletProgress, { state: s[`state_${h.state}`] ?? h.state, at: h.startedAt ? formatTime(h.startedAt, lang, true) : '—' })
      : s.hamletNoReport;
    return el('li', {}, el('strong', { textContent: h.name }), ` — ${progress}`);
  }));
}

/** The Thông tư 39 priority, and the QĐ 18 risk level of a natural disaster. */
const levels = (a) => [s[`priority_${a.priority}`], a.riskLevel ? fill(s.heldRisk, { level: a.riskLevel }) : null].filter(Boolean).join(' · ');

function row(a) {
  const stop = el('button', { type: 'button', className: 'danger', textContent: s.cancelAlert });
  stop.addEventListener('click', async () => {
    if (!confirm(fill(s.confirmCancel, { title: a.title }))) return;
    try {
      await api('DELETE', `/api/v1/alerts/${encodeURIComponent(a.id)}`);
      say(status, s.cancelled);
      await listActive();
    } catch (err) {
      say(status, describeFailure(err, s), 'error');
    }
  });
  // the anchor a notification about this alert opens (#alert-<id>)
  return el('tr', { id: `alert-${a.id}` },
    el('td', {}, el('strong', { textContent: a.title }), el('br'), el('span', { className: 'hint', textContent: a.text }), el('br'), el('span', { className: 'hint', textContent: levels(a) })),
    el('td', {}, progressList(a.hamlets), a.reach ? reachLine(a.reach, s, lang, a.hamlets.length) : null),
    el('td', { textContent: formatTime(a.startsAt, lang, true) }),
    el('td', { textContent: formatTime(a.expiresAt, lang) }),
    el('td', {}, stop),
  );
}

// the rows come after the page: scroll to the one a notification named (/radio/alerts#alert-<id>)
listActive().then(() => {
  if (location.hash.startsWith('#alert-')) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
});
// the boxes' reports arrive over the next seconds: follow them while the page is open
setInterval(() => { if (!document.hidden) listActive(); }, 5000);
