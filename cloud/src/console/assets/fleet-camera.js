// One camera: its current picture, the live view link, zones and masks drawn as polygons on the picture, and the rules.
import { api, el, fill, pageData, say } from './console.js';
import { failureText } from './fleet-format.js';

const { strings: s, edgeId, cameraId } = pageData();
const base = `/api/v1/edges/${edgeId}/cameras/${cameraId}`;
const pageStatus = document.getElementById('camera-page-status');
const SVG = 'http://www.w3.org/2000/svg';
let camera = null;
let points = [];

/** "Cổng trường Ấp 3" → "cong-truong-ap-3", unique among `taken`. */
function idFrom(name, taken) {
  const stem = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 28) || 'vung';
  let id = stem;
  for (let n = 2; taken.includes(id); n++) id = `${stem}-${n}`;
  return id;
}

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

const polygonPoints = (polygon) => polygon.map(([x, y]) => `${x},${y}`).join(' ');

/** Stored zones and masks, then the polygon being drawn with its points. */
function drawOverlay() {
  const overlay = document.getElementById('overlay');
  const shapes = [
    ...camera.zones.map((z) => svgNode('polygon', { points: polygonPoints(z.polygon), class: 'zone' })),
    ...camera.masks.map((m) => svgNode('polygon', { points: polygonPoints(m.polygon), class: 'mask' })),
  ];
  if (points.length > 1) shapes.push(svgNode(points.length > 2 ? 'polygon' : 'polyline', { points: polygonPoints(points), class: 'drawing' }));
  for (const [x, y] of points) shapes.push(svgNode('circle', { cx: x, cy: y, r: 0.008, class: 'drawing-point' }));
  overlay.replaceChildren(...shapes);
  document.getElementById('points-count').textContent = fill(s.pointsCount, { n: points.length });
}

const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;

function addPoint(x, y) {
  points.push([round(x), round(y)]);
  drawOverlay();
}

function showList(listId, items, describe, remove) {
  const list = document.getElementById(listId);
  if (items.length === 0) return list.replaceChildren(el('li', { className: 'hint' }, s.none));
  list.replaceChildren(...items.map((item) => {
    const button = el('button', { type: 'button', className: 'link' }, s.remove);
    button.setAttribute('aria-label', `${s.remove}: ${item.name ?? item.id}`);
    button.addEventListener('click', () => remove(item));
    return el('li', {}, el('strong', {}, item.name ?? item.id), ` — ${describe(item)} `, button);
  }));
}

function describeRule(rule) {
  const classes = (rule.classes ?? []).map((c) => s[`class_${c}`] ?? c).join(', ');
  const zone = rule.zone ? camera.zones.find((z) => z.id === rule.zone)?.name ?? rule.zone : s.anywhere;
  const windows = rule.windows?.length ? rule.windows.map((w) => `${w.start}–${w.end}`).join(', ') : s.always;
  return `${zone}; ${classes}; ${windows}; ${s.minDwell}: ${rule.minDwellSeconds}; ${s.cooldown}: ${rule.cooldownSeconds}`;
}

function showCamera() {
  document.querySelector('h1').textContent = fill(s.cameraTitle, { name: camera.name });
  drawOverlay();
  const removeFrom = (part) => (item) => save(part, camera[part].filter((x) => x.id !== item.id), pageStatus);
  showList('zones-list', camera.zones, (z) => fill(s.points, { n: z.polygon.length }), removeFrom('zones'));
  showList('masks-list', camera.masks, (m) => fill(s.points, { n: m.polygon.length }), removeFrom('masks'));
  showList('rules-list', camera.rules, describeRule, removeFrom('rules'));
  const zoneSelect = document.getElementById('rule-zone');
  zoneSelect.replaceChildren(zoneSelect.options[0], ...camera.zones.map((z) => el('option', { value: z.id }, z.name)));
}

/** Replaces one part (zones, masks or rules) of the camera through the API. */
async function save(part, items, status) {
  say(status, s.saving, 'notice');
  try {
    camera = await api('PUT', `${base}/${part}`, { [part]: items });
    showCamera();
    say(status, s.saved);
    return true;
  } catch (err) {
    say(status, failureText(err, s), 'error');
    return false;
  }
}


function loadSnapshot() {
  const img = document.getElementById('snapshot');
  document.getElementById('snapshot-failed').hidden = true;
  img.src = `${base}/snapshot.jpg?at=${Date.now()}`;
}

/** One link per address the box's live view answers on (the technician's laptop must be on that LAN). */
async function showLiveLinks() {
  const edge = await api('GET', `/api/v1/edges/${edgeId}`);
  const urls = (edge.online && edge.telemetry?.liveView?.urls) || [];
  if (urls.length === 0) return (document.getElementById('live-hint').textContent = s.liveUnknown);
  document.getElementById('live-links').replaceChildren(...urls.map((url) => el('li', {},
    el('a', { href: new URL(`cameras/${encodeURIComponent(cameraId)}`, url).href, className: 'button', target: '_blank', rel: 'noopener' },
      fill(s.liveLink, { address: new URL(url).host })))));
}

async function show() {
  try {
    camera = await api('GET', base);
    showCamera();
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

document.getElementById('snapshot-frame').addEventListener('click', (event) => {
  const box = event.currentTarget.getBoundingClientRect();
  addPoint((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
});

document.getElementById('add-point').addEventListener('click', () => {
  const x = document.getElementById('point-x');
  const y = document.getElementById('point-y');
  if (x.value === '' || y.value === '' || !x.checkValidity() || !y.checkValidity()) return x.reportValidity() && y.reportValidity();
  addPoint(Number(x.value), Number(y.value));
});
document.getElementById('undo-point').addEventListener('click', () => { points.pop(); drawOverlay(); });
document.getElementById('clear-points').addEventListener('click', () => { points = []; drawOverlay(); });

document.getElementById('shape-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const part = new FormData(form).get('shape-kind');
  const name = form.elements.name.value.trim();
  if (points.length < 3) return say(pageStatus, s.needThree, 'error');
  const shape = { id: idFrom(name, camera[part].map((x) => x.id)), name, polygon: points };
  if (await save(part, [...camera[part], shape], pageStatus)) {
    points = [];
    form.elements.name.value = '';
    drawOverlay();
  }
});

/** "22:00-05:00" lines → [{start, end}]; null (and a message) when a line is not a window. */
function parseWindows(text, status) {
  const windows = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const match = /^([01]\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]\d|2[0-3]):([0-5]\d)$/.exec(line);
    if (!match) {
      say(status, fill(s.windowInvalid, { line }), 'error');
      return null;
    }
    windows.push({ start: `${match[1]}:${match[2]}`, end: `${match[3]}:${match[4]}` });
  }
  return windows;
}

document.getElementById('rule-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const status = document.getElementById('rule-status');
  const data = new FormData(form);
  const classes = data.getAll('classes');
  if (classes.length === 0) return say(status, s.chooseClass, 'error');
  const windows = parseWindows(data.get('windows'), status);
  if (!windows) return;
  const name = data.get('name').trim();
  const rule = {
    id: idFrom(name, camera.rules.map((r) => r.id)),
    name,
    enabled: true,
    classes,
    ...(data.get('zone') ? { zone: data.get('zone') } : {}),
    ...(windows.length ? { windows } : {}),
    minDwellSeconds: Number(data.get('minDwellSeconds')),
    cooldownSeconds: Number(data.get('cooldownSeconds')),
  };
  if (await save('rules', [...camera.rules, rule], status)) form.reset();
});

show();
