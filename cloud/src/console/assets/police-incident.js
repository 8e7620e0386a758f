// An incident's review: status, assignee, legal hold and notes through the incidents API; the
// evidence hashes checked again in the browser on request; the item's clip played part after part,
// its timeline seeking the clip, and an ongoing item's new parts fetched as they arrive.
import { api, describeFailure, el, fill, pageData, say } from './console.js';

const { incidentId, strings, state } = pageData();
let { parts } = pageData();
const path = `/api/v1/incidents/${incidentId}`;
const status = document.getElementById('review-status');

async function change(body) {
  say(status, strings.saving, 'notice');
  try {
    await api('PATCH', path, body);
    location.reload();
  } catch (err) {
    say(status, describeFailure(err, strings), 'error');
  }
}

for (const button of document.querySelectorAll('.status-action')) {
  button.addEventListener('click', () => change({ status: button.dataset.status }));
}
document.getElementById('legal-hold').addEventListener('change', (e) => change({ legalHold: e.target.checked }));
document.getElementById('assignee-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const value = document.getElementById('assignee').value;
  change({ assigneeId: value === '' ? null : value });
});
document.getElementById('note-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = document.getElementById('note').value.trim();
  if (!text) return;
  say(status, strings.saving, 'notice');
  try {
    await api('POST', `${path}/notes`, { text });
    location.reload();
  } catch (err) {
    say(status, describeFailure(err, strings), 'error');
  }
});

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

// crypto.subtle exists only in a secure context (https or localhost)
if (globalThis.crypto?.subtle) {
  for (const button of document.querySelectorAll('button.verify')) {
    const result = button.nextElementSibling;
    button.hidden = false;
    button.addEventListener('click', async () => {
      say(result, strings.checking, 'notice');
      try {
        const res = await fetch(button.dataset.url, { credentials: 'same-origin' });
        const hash = hex(await crypto.subtle.digest('SHA-256', await res.arrayBuffer()));
        const same = hash === button.dataset.sha256;
        say(result, fill(same ? strings.hashMatches : strings.hashDiffers, { hash }), same ? 'success' : 'error');
      } catch (err) {
        say(result, describeFailure(err, strings), 'error');
      }
    });
  }
}

// --- the clip: parts in order, the timeline seeks ---------------------------------------------------

const video = document.getElementById('clip');
const playable = () => parts.filter((p) => p.verified);

/** Shows part `part` in the player at `offsetS` seconds into it, playing on when asked. */
function show(part, offsetS = 0, play = false) {
  const seek = () => {
    video.currentTime = Math.max(0, Math.min(offsetS, Number.isFinite(video.duration) ? video.duration : offsetS));
    if (play) video.play().catch(() => undefined); // a browser may refuse to play before a click: the controls remain
  };
  video.hidden = false;
  document.getElementById('clip-pending')?.remove();
  if (video.dataset.part !== String(part.index)) {
    video.dataset.part = String(part.index);
    video.src = part.url;
    video.addEventListener('loadedmetadata', seek, { once: true });
    video.load();
  } else if (video.readyState >= 1) seek();
  else video.addEventListener('loadedmetadata', seek, { once: true });
}

/**
 * The part holding wall-clock moment `at` and the offset into it: clip time = entry time − the part's
 * start. A moment before the first part (the pre-capture did not reach it) seeks to its start; one in a
 * gap or past the end, to the last part starting before it.
 */
function partAt(at) {
  const list = playable();
  if (list.length === 0) return null;
  let found = list[0];
  for (const p of list) if (p.startMs <= at) found = p;
  return { part: found, offsetS: Math.max(0, (at - found.startMs) / 1000) };
}

video?.addEventListener('ended', () => {
  const list = playable();
  const at = list.findIndex((p) => String(p.index) === video.dataset.part);
  if (at >= 0 && at + 1 < list.length) show(list[at + 1], 0, true);
});

document.getElementById('clip-parts')?.addEventListener('click', (e) => {
  const button = e.target.closest('button.play-part');
  const part = button && parts.find((p) => String(p.index) === button.dataset.part);
  if (part) show(part, 0, true);
});

for (const button of document.querySelectorAll('button.seek')) {
  button.addEventListener('click', () => {
    const found = partAt(Number(button.dataset.at));
    if (found) show(found.part, found.offsetS);
  });
}

// the same words and times as the server's part list (police-item-markup.ts)
const localTime = (ms) =>
  new Intl.DateTimeFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'medium', hour12: false }).format(new Date(ms));

function partButton(p, total) {
  const button = el('button', { type: 'button', className: 'play-part' }, fill(strings.partButton, { n: p.index + 1, total, start: localTime(p.startMs), seconds: Math.round(p.durationMs / 1000) }));
  button.dataset.part = String(p.index);
  return button;
}

function drawParts() {
  const total = parts.length;
  document.getElementById('clip-parts').replaceChildren(...parts.map((p) => el('li', {},
    p.verified
      ? partButton(p, total)
      : el('span', { className: 'notice' }, fill(strings.clipPartPending, { n: p.index + 1, total })),
    ' ', el('code', { className: 'hash' }, `${p.sha256.slice(0, 16)}…`))));
}

/**
 * An ongoing item: its parts arrive while it lasts, so the list is fetched again every few seconds and
 * new parts join the sequence without interrupting what plays. Other news (objects, the close) is
 * said with a link to reload, as reloading under a playing video would lose the officer's place.
 */
const REFRESH_MS = 5000;
async function refresh() {
  try {
    const item = await api('GET', path);
    const known = parts.map((p) => `${p.index}:${p.verified}`).join();
    if (item.parts.length && item.parts.map((p) => `${p.index}:${p.verified}`).join() !== known) {
      parts = item.parts;
      drawParts();
      if (!video.dataset.part && playable().length) show(playable()[0]);
    }
    if (item.state !== 'open' || item.objects.length !== document.querySelectorAll('#objects > li').length) {
      document.getElementById('item-updated').hidden = false;
    }
    if (item.state !== 'open') return (document.getElementById('item-open').hidden = true);
  } catch {
    // offline for a moment: try again at the next round
  }
  setTimeout(refresh, REFRESH_MS);
}
if (state === 'open' && video) setTimeout(refresh, REFRESH_MS);
