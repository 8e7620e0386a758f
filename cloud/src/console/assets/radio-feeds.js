// CAP feeds on the emergency alert page: each feed's state, a warning for a feed that stopped answering, add, enable/disable, delete.
import { actionButton, api, describeFailure, el, fill, formatTime, pageData, say } from './console.js';

const { strings: s, lang } = pageData();
const form = document.getElementById('feed-form');
const status = document.getElementById('feed-status');
const warnings = document.getElementById('feed-warnings');
const body = document.querySelector('#feed-list tbody');

/** What is shown now: redrawn only when it changes, so a focused button keeps its focus. */
let shown = '';

function healthText(f) {
  return fill(s[`health_${f.health}`] ?? f.health, { n: f.consecutiveFailures });
}

const BADGE = { ok: 'active', failing: 'interrupted', down: 'failed', disabled: '', waiting: '' };

function row(f) {
  const toggle = actionButton(f.enabled ? s.disableFeed : s.enableFeed, f.name, () => change(() => api('PATCH', `/api/v1/cap-feeds/${encodeURIComponent(f.id)}`, { enabled: !f.enabled })));
  const remove = actionButton(s.deleteFeed, f.name, () => {
    if (confirm(fill(s.confirmDeleteFeed, { name: f.name }))) change(() => api('DELETE', `/api/v1/cap-feeds/${encodeURIComponent(f.id)}`));
  });
  return el('tr', {},
    el('td', {}, el('strong', { textContent: f.name }), el('br'), el('span', { className: 'hint', textContent: f.url })),
    el('td', {}, el('span', { className: `badge ${BADGE[f.health] ?? ''}`, textContent: healthText(f) })),
    el('td', { textContent: f.lastSuccessAt ? formatTime(f.lastSuccessAt, lang, true) : s.never }),
    el('td', { textContent: fill(s.takenRefused, { taken: f.messagesTaken, refused: f.messagesRefused }) + (f.messagesHeld ? `; ${fill(s.heldNote, { held: f.messagesHeld })}` : '') }),
    el('td', { className: 'hint', textContent: f.consecutiveFailures > 0 && f.lastError ? f.lastError : '—' }),
    el('td', {}, el('div', { className: 'actions' }, toggle, remove)),
  );
}

function warning(f) {
  return el('p', { className: 'error', textContent: fill(s.feedDown, { name: f.name, since: formatTime(f.failingSince, lang, true), n: f.consecutiveFailures, error: f.lastError ?? '—' }) });
}

async function listFeeds() {
  try {
    const { feeds } = await api('GET', '/api/v1/cap-feeds');
    const fresh = JSON.stringify(feeds);
    if (fresh === shown) return;
    shown = fresh;
    warnings.replaceChildren(...feeds.filter((f) => f.warning).map(warning));
    body.replaceChildren(...(feeds.length ? feeds.map(row) : [el('tr', {}, el('td', { colSpan: 6, textContent: s.noFeeds }))]));
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

async function change(call) {
  try {
    await call();
    say(status, '');
    await listFeeds();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  say(status, s.adding, 'notice');
  try {
    const feed = await api('POST', '/api/v1/cap-feeds', { name: data.get('name'), url: data.get('url') });
    say(status, fill(s.added, { name: feed.name }));
    form.reset();
    await listFeeds();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  } finally {
    button.disabled = false;
  }
});

listFeeds();
// a feed's state changes with every poll: follow it while the page is open
setInterval(() => { if (!document.hidden) listFeeds(); }, 5000);
