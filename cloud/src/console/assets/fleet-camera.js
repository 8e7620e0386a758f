// One camera: its current picture, the live view links, the zone and mask editor, and the rules.
import { api, el, fill, pageData, say } from './console.js';
import { createRuleEditor } from './fleet-camera-rules.js';
import { createShapeEditor } from './fleet-camera-shapes.js';
import { failureText } from './fleet-format.js';

const { strings: s, edgeId, cameraId } = pageData();
const base = `/api/v1/edges/${edgeId}/cameras/${cameraId}`;
const pageStatus = document.getElementById('camera-page-status');
let camera = null;

/** Replaces one part (zones, masks or rules) of the camera through the API; answers whether it was saved. */
async function save(part, items, status) {
  say(status, s.saving, 'notice');
  try {
    camera = await api('PUT', `${base}/${part}`, { [part]: items });
    render();
    say(status, s.saved);
    return true;
  } catch (err) {
    say(status, failureText(err, s), 'error');
    return false;
  }
}

const editors = [
  createShapeEditor({ s, camera: () => camera, save, status: pageStatus }),
  createRuleEditor({ s, camera: () => camera, save }),
];

const localTime = (ms) => new Intl.DateTimeFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', timeStyle: 'short', hour12: false }).format(new Date(ms));

/** The box's flood warning (too many review items an hour) with its suggested fix; the rules are below. */
function renderFlood() {
  const flood = camera.live?.flood;
  document.getElementById('flood-warning').hidden = !flood;
  if (!flood) return;
  const { suggestion: fix } = flood;
  document.getElementById('flood-line').textContent = fill(s.floodLine, { n: flood.itemsLastHour, limit: flood.limit, since: localTime(flood.since) });
  document.getElementById('flood-fix').textContent = fill(s.floodFix, { fix: s[`floodFix_${fix.fix}`] ?? fix.fix, rule: fix.ruleId, label: (s[`class_${fix.label}`] ?? fix.label).toLowerCase(), advice: fix.advice });
}

function render() {
  document.querySelector('h1').textContent = fill(s.cameraTitle, { name: camera.name });
  renderFlood();
  for (const editor of editors) editor.render();
  document.getElementById('record-mode').value = camera.record.mode ?? 'events';
  document.getElementById('record-days').value = String(camera.record.continuousDays ?? 7);
}

// events-only or 24/7 recording: the whole camera is replaced with its record settings changed
// (the stored password is kept: the camera as shown carries none)
document.getElementById('record-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const status = document.getElementById('record-status');
  const form = new FormData(event.target);
  say(status, s.saving, 'notice');
  try {
    const { live: _live, ...rest } = camera;
    const { hasPassword: _has, ...source } = camera.source;
    const record = { ...camera.record, mode: form.get('mode'), continuousDays: Number(form.get('continuousDays')) };
    camera = await api('PUT', base, { ...rest, source, record });
    render();
    say(status, s.saved);
  } catch (err) {
    say(status, failureText(err, s), 'error');
  }
});

function loadSnapshot() {
  const img = document.getElementById('snapshot');
  document.getElementById('snapshot-failed').hidden = true;
  img.src = `${base}/snapshot.jpg?at=${Date.now()}`;
}

/** One link per address the box's live view answers on (the technician's laptop must be on that LAN). */
async function showLiveLinks() {
  const edge = await api('GET', `/api/v1/edges/${edgeId}`);
  // the cloud accepts only http(s) addresses from a box; checked again here, as they become links
  const urls = ((edge.online && edge.telemetry?.liveView?.urls) || []).filter((url) => /^https?:\/\//i.test(url));
  if (urls.length === 0) return (document.getElementById('live-hint').textContent = s.liveUnknown);
  document.getElementById('live-links').replaceChildren(...urls.map((url) => el('li', {},
    el('a', { href: new URL(`cameras/${encodeURIComponent(cameraId)}`, url).href, className: 'button', target: '_blank', rel: 'noopener' },
      fill(s.liveLink, { address: new URL(url).host })))));
}

async function show() {
  try {
    camera = await api('GET', base);
    render();
    loadSnapshot();
    await showLiveLinks();
    document.body.dataset.loaded = 'true';
  } catch (err) {
    say(pageStatus, failureText(err, s), 'error');
  }
}

// the frame takes the picture's shape, so a click's position maps straight onto the picture
document.getElementById('snapshot').addEventListener('load', (event) => {
  const { naturalWidth: w, naturalHeight: h } = event.target;
  if (w && h) document.getElementById('snapshot-frame').style.aspectRatio = `${w} / ${h}`;
});
document.getElementById('snapshot').addEventListener('error', () => { document.getElementById('snapshot-failed').hidden = false; });
document.getElementById('snapshot-reload').addEventListener('click', loadSnapshot);

show();
