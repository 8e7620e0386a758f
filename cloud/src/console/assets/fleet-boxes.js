// Hamlets and boxes: every box in its hamlet with connection, last seen, clock offset, version, cameras and speakers; the plan coloured by state; a new box.
import { api, el, fill, pageData, say } from './console.js';
import { cameraState, connectionBadge, failureText, formatOffset, lastSeen, statusText } from './fleet-format.js';

const { strings: s, lang } = pageData();
const fleetStatus = document.getElementById('fleet-status');

/** Cameras and speakers come from the box's config, which only a provisioned box has. */
async function equipmentOf(edge) {
  if (edge.status === 'unclaimed') return { cameras: [], speakers: [] };
  const [cameras, config] = await Promise.all([
    api('GET', `/api/v1/edges/${edge.id}/cameras`).then((r) => r.cameras).catch(() => []),
    api('GET', `/api/v1/edges/${edge.id}/config`).catch(() => null),
  ]);
  return { cameras, speakers: config?.body?.radio?.speakers ?? [] };
}

function cameraCell(edge, cameras) {
  if (cameras.length === 0) return '—';
  const list = el('ul', { className: 'compact' });
  for (const camera of cameras) {
    const link = el('a', { href: `/fleet/boxes/${edge.id}/cameras/${camera.id}` }, camera.name);
    list.append(el('li', {}, link, ' ', cameraState(camera, s)));
  }
  return list;
}

/** Each zone with the state its box last reported (telemetry), muted from the console or not. */
function speakerCell(edge, speakers) {
  if (speakers.length === 0) return '—';
  const zones = [...new Map(speakers.map((sp) => [sp.zone, sp])).values()];
  return el('ul', { className: 'compact' }, ...zones.map((sp) => {
    const reported = edge.telemetry?.speakers?.find((h) => h.zone === sp.zone);
    const state = reported ? s[`speakerState_${reported.state}`] ?? reported.state : s.speakerStateNone;
    const muted = sp.muted ? `, ${s.speakerMutedByConsole}` : '';
    return el('li', { className: reported && reported.state !== 'ok' && reported.state !== 'unknown' ? 'bad' : '' }, `${sp.zone} (${sp.driver}): ${state}${muted}`);
  }));
}

function boxRow(edge, equipment) {
  return el('tr', {},
    el('td', {}, el('a', { href: `/fleet/boxes/${edge.id}` }, edge.name)),
    el('td', {}, statusText(edge, s)),
    el('td', {}, connectionBadge(edge, s)),
    el('td', {}, lastSeen(edge, s, lang)),
    el('td', {}, formatOffset(edge.telemetry?.clock?.offsetMs, lang)),
    el('td', {}, edge.telemetry?.softwareVersion ?? '—'),
    el('td', {}, cameraCell(edge, equipment.cameras)),
    el('td', {}, speakerCell(edge, equipment.speakers)),
  );
}

function colourPlan(code, edges) {
  const spot = document.getElementById(`plan-${code}`);
  if (!spot) return;
  const online = edges.filter((e) => e.online).length;
  spot.classList.remove('ok', 'bad', 'none');
  spot.classList.add(edges.length === 0 ? 'none' : online === edges.length ? 'ok' : 'bad');
  const summary = fill(s.boxesOnline, { online, edges: edges.length });
  spot.querySelector('.count').textContent = `${online}/${edges.length}`;
  spot.setAttribute('aria-label', `${spot.querySelector('.name').textContent}: ${summary}`);
  document.querySelector(`[data-summary="${code}"]`).textContent = `(${summary})`;
}

async function show() {
  try {
    // only the boxes of the hamlets on the page (a province-level person's page narrowed to one commune)
    const shown = new Set([...document.querySelectorAll('tbody[data-hamlet]')].map((b) => b.dataset.hamlet));
    const edges = (await api('GET', '/api/v1/edges')).edges.filter((e) => shown.has(e.hamletCode));
    const equipment = await Promise.all(edges.map(equipmentOf));
    for (const body of document.querySelectorAll('tbody[data-hamlet]')) {
      const code = body.dataset.hamlet;
      const rows = edges.map((edge, i) => [edge, equipment[i]]).filter(([edge]) => edge.hamletCode === code);
      if (rows.length > 0) body.replaceChildren(...rows.map(([edge, eq]) => boxRow(edge, eq)));
      colourPlan(code, rows.map(([edge]) => edge));
    }
    document.body.dataset.loaded = 'true';
  } catch (err) {
    say(fleetStatus, failureText(err, s), 'error');
  }
}

document.getElementById('new-box').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const status = document.getElementById('new-box-status');
  const data = new FormData(form);
  const body = { name: data.get('name').trim(), hamletCode: data.get('hamletCode') };
  if (data.get('notes').trim()) body.notes = data.get('notes').trim();
  form.querySelector('button').disabled = true;
  say(status, s.saving, 'notice');
  try {
    const edge = await api('POST', '/api/v1/edges', body);
    location.href = `/fleet/boxes/${edge.id}`;
  } catch (err) {
    say(status, failureText(err, s), 'error');
    form.querySelector('button').disabled = false;
  }
});

show();
