// One box: its state, a claim token as text and QR code, test tone, speakers, cameras (add, discover, adopt), rotate and revoke.
import { api, el, fill, formatTime, pageData, say } from './console.js';
import { cameraState, connectionBadge, failureText, formatOffset, lastSeen, statusText } from './fleet-format.js';

const { strings: s, lang, edgeId } = pageData();
const base = `/api/v1/edges/${edgeId}`;
const boxStatus = document.getElementById('box-status');
let edge = null;

function fillFacts() {
  const facts = {
    name: edge.name,
    hamletName: edge.hamletName,
    status: statusText(edge, s),
    connection: connectionBadge(edge, s),
    lastSeen: lastSeen(edge, s, lang),
    clockOffset: formatOffset(edge.telemetry?.clock?.offsetMs, lang),
    version: edge.telemetry?.softwareVersion ?? '—',
    hostname: edge.telemetry?.hostname ?? edge.hostname ?? '—',
    offlineReason: edge.online ? '—' : edge.offlineReason ?? '—',
  };
  for (const [key, value] of Object.entries(facts)) document.querySelector(`[data-fill="${key}"]`).replaceChildren(value);
}

/** The QR code is drawn by the cloud (POST, so the token stays out of URLs) and shown from a blob. */
async function showQr(text) {
  const holder = document.getElementById('token-qr');
  const res = await fetch('/fleet/qr.svg', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify({ text }),
  });
  if (!res.ok) throw new Error(`QR: HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  holder.replaceChildren(el('img', { src: url, alt: s.qrAlt, width: 240, height: 240, id: 'token-qr-image' }));
}

async function showToken(claim) {
  document.getElementById('token').hidden = false;
  document.getElementById('token-text').value = claim.token;
  document.getElementById('token-command').value = claim.command;
  document.getElementById('token-expires').textContent = formatTime(claim.expiresAt, lang);
  await showQr(claim.command);
}

/** The zone's health as the box last reported it in telemetry (a zone is as bad as its worst speaker). */
function speakerHealth(zone) {
  const health = zone.reported;
  if (!health) return s.speakerStateNone;
  const label = s[`speakerState_${health.state}`] ?? health.state;
  let text = health.reason && health.state !== 'ok' ? `${label}: ${health.reason}` : label;
  if (zone.muted) text += ` (${s.speakerMutedByConsole})`;
  if (zone.alarm) text += ` — ${fill(s.speakerAlarm, { since: formatTime(zone.alarm.downSince, lang) })}`;
  return text;
}

const yesNo = (value) => (value === true ? s.yes : value === false ? s.no : '—');

function speakerRow(zone) {
  const r = zone.reported;
  const lastError = r?.lastError ? `${r.lastError.message} (${formatTime(r.lastError.at, lang)})` : '—';
  return el('tr', { className: zone.alarm ? 'alarm' : '' },
    el('td', {}, zone.zone),
    el('td', {}, zone.outputs.map((o) => o.driver).join(', ')),
    el('td', {}, zone.outputs.map((o) => o.target).join(', ')),
    el('td', {}, String(zone.volume)),
    el('td', { className: 'speaker-health' }, speakerHealth(zone)),
    el('td', {}, yesNo(r?.reachable)),
    el('td', {}, yesNo(r?.playing)),
    el('td', {}, lastError));
}

function historyRow(h) {
  const label = s[`speakerState_${h.state}`] ?? h.state;
  return el('tr', {}, el('td', {}, formatTime(h.at, lang, true)), el('td', {}, h.zone), el('td', {}, h.reason ? `${label}: ${h.reason}` : label));
}

/** Zones (what is set, what the box reports, the alarm) and their state history, from the zones API. */
async function showSpeakers() {
  const body = document.querySelector('#speakers tbody');
  const history = document.querySelector('#speaker-history tbody');
  const found = edge.status === 'unclaimed' ? null : await api('GET', `${base}/speakers?limit=50`).catch(() => null);
  const zones = found?.zones ?? [];
  body.replaceChildren(...(zones.length ? zones.map(speakerRow) : [el('tr', {}, el('td', { colSpan: 8, className: 'hint' }, s.speakersNone))]));
  const changes = found?.history ?? [];
  history.replaceChildren(...(changes.length ? changes.map(historyRow) : [el('tr', {}, el('td', { colSpan: 3, className: 'hint' }, s.speakerHistoryNone))]));
}

function cameraRow(camera) {
  const source = camera.source.kind === 'rtsp' ? s.sourceRtsp : s.sourceOnvif;
  return el('tr', {},
    el('td', {}, camera.name),
    el('td', {}, camera.id),
    el('td', {}, source),
    el('td', {}, cameraState(camera, s)),
    el('td', {}, el('a', { href: `/fleet/boxes/${edgeId}/cameras/${camera.id}` }, s.cameraSettings)));
}

async function showCameras() {
  const body = document.querySelector('#cameras tbody');
  const message = (text) => body.replaceChildren(el('tr', {}, el('td', { colSpan: 5, className: 'hint' }, text)));
  if (edge.status === 'unclaimed') return message(s.needClaimed);
  const { cameras } = await api('GET', `${base}/cameras`);
  if (cameras.length === 0) return message(s.camerasNone);
  body.replaceChildren(...cameras.map(cameraRow));
}

/** A discovered device with a small labelled form to adopt it. */
function discoveredRow(device, index) {
  const name = device.name ?? device.hardware ?? device.xaddr;
  if (device.adoptedAs) return el('tr', {}, el('td', {}, name), el('td', {}, device.xaddr), el('td', {}, fill(s.adopted, { id: device.adoptedAs })));
  const field = (label, input) => { input.id = `adopt-${index}-${input.name}`; return [el('label', { htmlFor: input.id }, label), input]; };
  const form = el('form', { className: 'stack adopt' },
    ...field(s.cameraName, el('input', { name: 'name', required: true, maxLength: 80, value: name.slice(0, 80) })),
    ...field(s.cameraId, el('input', { name: 'id', required: true, value: `camera-${index + 1}` })),
    ...field(s.cameraUser, el('input', { name: 'username', autocomplete: 'off' })),
    ...field(s.cameraPassword, el('input', { name: 'password', type: 'password', autocomplete: 'new-password' })),
    el('button', { type: 'submit' }, s.adopt));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      await api('POST', `${base}/discovered-cameras/adopt`, { urn: device.urn, ...data });
      await Promise.all([showDiscovered(), showCameras()]);
    } catch (err) {
      say(document.getElementById('discovered-status'), failureText(err, s), 'error');
    }
  });
  return el('tr', {}, el('td', {}, name), el('td', {}, device.xaddr), el('td', {}, form));
}

async function showDiscovered(found) {
  const body = document.querySelector('#discovered tbody');
  if (edge.status === 'unclaimed') return body.replaceChildren();
  const { devices } = found ?? await api('GET', `${base}/discovered-cameras`);
  body.replaceChildren(...(devices.length ? devices.map(discoveredRow) : [el('tr', {}, el('td', { colSpan: 3, className: 'hint' }, s.discoveredNone))]));
}

async function show() {
  try {
    edge = await api('GET', base);
    document.title = `${edge.name} — ${document.title}`;
    fillFacts();
    await Promise.all([showSpeakers(), showCameras(), showDiscovered()]);
    document.body.dataset.loaded = 'true';
  } catch (err) {
    say(boxStatus, failureText(err, s), 'error');
  }
}

/** Runs a button's action with the button disabled and any failure said in the status line. */
function onClick(id, action, status = boxStatus) {
  const button = document.getElementById(id);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      say(status, failureText(err, s), 'error');
    } finally {
      button.disabled = false;
    }
  });
}

onClick('new-token', async () => showToken(await api('POST', `${base}/claim-tokens`)));

onClick('rotate', async () => {
  if (!confirm(s.rotateConfirm)) return;
  const result = await api('POST', `${base}/rotate`);
  if (result.mode === 'live') return say(boxStatus, s.rotatedLive);
  await showToken(result.claimToken);
  say(boxStatus, s.rotatedClaim, 'notice');
});

onClick('revoke', async () => {
  if (!confirm(s.revokeConfirm)) return;
  await api('POST', `${base}/revoke`);
  say(boxStatus, s.revoked);
  await show();
});

const discoveredStatus = document.getElementById('discovered-status');
document.getElementById('scan-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = document.getElementById('scan');
  const addresses = new FormData(event.target).get('addresses').split(/[\s,;]+/).filter(Boolean);
  button.disabled = true;
  say(discoveredStatus, s.scanning, 'notice');
  try {
    await showDiscovered(await api('POST', `${base}/discovered-cameras/scan`, { timeoutMs: 3000, addresses }));
    say(discoveredStatus, '');
  } catch (err) {
    say(discoveredStatus, failureText(err, s), 'error');
  } finally {
    button.disabled = false;
  }
});

document.getElementById('test-tone').addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  try {
    const result = await api('POST', `${base}/test-tone`, { durationMs: Number(data.get('duration')) * 1000, volume: Number(data.get('volume')) });
    say(boxStatus, fill(s.tonePlayed, { zones: result.zones.join(', ') || '—' }));
  } catch (err) {
    say(boxStatus, failureText(err, s), 'error');
  }
});

const addressLabel = document.getElementById('camera-address-label');
for (const radio of document.querySelectorAll('#add-camera input[name="kind"]')) {
  radio.addEventListener('change', () => { addressLabel.textContent = addressLabel.dataset[radio.value]; });
}

document.getElementById('add-camera').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const status = document.getElementById('camera-status');
  const data = Object.fromEntries(new FormData(form));
  const credentials = { ...(data.username ? { username: data.username } : {}), ...(data.password ? { password: data.password } : {}) };
  const source = data.kind === 'rtsp'
    ? { kind: 'rtsp', url: data.address.trim(), ...credentials }
    : { kind: 'onvif', xaddr: data.address.trim(), username: data.username, password: data.password };
  try {
    await api('POST', `${base}/cameras`, { id: data.id.trim(), name: data.name.trim(), source });
    form.reset();
    say(status, s.cameraAdded);
    await showCameras();
  } catch (err) {
    say(status, failureText(err, s), 'error');
  }
});

show();
