// "Thông báo trên điện thoại": subscribe this device to Web Push, list and remove one's devices, choose kinds, hamlets and quiet hours, send a test.
import { actionButton, api, describeFailure, el, fill, formatTime, pageData, say } from './console.js';

const { strings: s, lang, serviceWorker } = pageData();
const API = '/api/v1/notifications';
const support = document.getElementById('push-support');
const status = document.getElementById('push-status');
const subscribeButton = document.getElementById('push-subscribe');
const testButton = document.getElementById('push-test');
const devicesBody = document.querySelector('#push-devices tbody');
const noDevices = document.getElementById('push-no-devices');
const prefsForm = document.getElementById('push-prefs');
const prefsStatus = document.getElementById('prefs-status');

const pushable = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** The VAPID key as the bytes pushManager.subscribe wants. */
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The service worker's registration (registered at load), or null where push cannot work. */
let registration = null;

async function currentSubscription() {
  return registration ? registration.pushManager.getSubscription() : null;
}

async function drawDevices() {
  const [{ devices }, mine] = await Promise.all([api('GET', `${API}/push/subscriptions`), currentSubscription().catch(() => null)]);
  const suffix = mine ? mine.endpoint.slice(-16) : null;
  devicesBody.replaceChildren(...devices.map((d) => {
    const remove = actionButton(s.removeDevice, d.label, () => change([remove], async () => {
      await api('DELETE', `${API}/push/subscriptions/${encodeURIComponent(d.id)}`);
      if (d.endpointSuffix === suffix) await mine.unsubscribe().catch(() => undefined);
      return s.removed;
    }));
    return el('tr', {},
      el('td', {}, el('strong', { textContent: d.label }), d.endpointSuffix === suffix ? ` ${s.thisDeviceMark}` : '', el('br'), el('span', { className: 'hint', textContent: d.service })),
      el('td', { textContent: formatTime(d.createdAt, lang) }),
      el('td', { textContent: formatTime(d.lastSuccessAt, lang) }),
      el('td', { className: 'hint', textContent: d.lastError ?? '—' }),
      el('td', {}, remove),
    );
  }));
  noDevices.hidden = devices.length > 0;
}

async function change(buttons, action, target = status) {
  for (const b of buttons) b.disabled = true;
  try {
    say(target, await action());
    await drawDevices();
  } catch (err) {
    sayError(target, err);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** Sends the browser's subscription to the cloud (again: the same endpoint is updated, not doubled). */
async function register(subscription) {
  await api('POST', `${API}/push/subscriptions`, subscription.toJSON());
}

subscribeButton.addEventListener('click', () => change([subscribeButton], async () => {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error(s.denied);
  const { publicKey } = await api('GET', `${API}/push/key`);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && subscription.options?.applicationServerKey) {
    const known = new Uint8Array(subscription.options.applicationServerKey);
    const wanted = keyBytes(publicKey);
    // made with another key (the cloud's keys were replaced): the push service would refuse our pushes
    if (known.length !== wanted.length || known.some((b, i) => b !== wanted[i])) {
      await subscription.unsubscribe();
      subscription = null;
    }
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  } catch (err) {
    throw new Error(fill(s.subscribeFailed, { message: err.message ?? String(err) }));
  }
  await register(subscription);
  return s.subscribed;
}));

testButton.addEventListener('click', () => change([testButton], async () => {
  const { results } = await api('POST', `${API}/push/test`);
  if (results.length === 0) return s.noDevicesToTest;
  const failed = results.filter((r) => !r.ok).map((r) => fill(s.testFailed, { label: r.label, reason: r.reason }));
  return [fill(s.testSent, { ok: results.length - failed.length, total: results.length }), ...failed].join(' ');
}));

// the describeFailure of an Error that is not an API failure is the network text: say our own words instead
function sayError(target, err) {
  say(target, err instanceof Error && !('status' in err) && err.message ? err.message : describeFailure(err, s), 'error');
}

async function loadPreferences() {
  const prefs = await api('GET', `${API}/preferences`);
  for (const box of prefsForm.querySelectorAll('input[name="kinds"]')) box.checked = prefs.kinds.includes(box.value);
  for (const box of prefsForm.querySelectorAll('input[name="hamlets"]')) box.checked = prefs.hamlets.includes(box.value);
  document.getElementById('quiet-enabled').checked = prefs.quietHours !== null;
  if (prefs.quietHours) {
    document.getElementById('quiet-start').value = prefs.quietHours.start;
    document.getElementById('quiet-end').value = prefs.quietHours.end;
  }
}

prefsForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const kinds = [...prefsForm.querySelectorAll('input[name="kinds"]:checked')].map((box) => box.value);
  // none ticked = the whole commune; cameras are not on this page, so they are left out and stay as chosen
  const hamletBoxes = [...prefsForm.querySelectorAll('input[name="hamlets"]')];
  const scope = hamletBoxes.length > 0 ? { hamlets: hamletBoxes.filter((box) => box.checked).map((box) => box.value) } : {};
  const quiet = document.getElementById('quiet-enabled').checked
    ? { start: document.getElementById('quiet-start').value, end: document.getElementById('quiet-end').value }
    : null;
  const button = prefsForm.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api('PUT', `${API}/preferences`, { kinds, quietHours: quiet, ...scope });
    say(prefsStatus, s.saved);
  } catch (err) {
    sayError(prefsStatus, err);
  } finally {
    button.disabled = false;
  }
});

async function start() {
  if (!window.isSecureContext) {
    say(support, s.insecure, 'notice');
    subscribeButton.disabled = true;
  } else if (!pushable) {
    say(support, s.unsupported, 'notice');
    subscribeButton.disabled = true;
  } else {
    registration = await navigator.serviceWorker.register(serviceWorker, { scope: '/' });
    await navigator.serviceWorker.ready;
    // keep the cloud's copy in step with the browser's (a renewed subscription, another person before)
    const existing = await registration.pushManager.getSubscription().catch(() => null);
    if (existing && Notification.permission === 'granted') await register(existing).catch(() => undefined);
  }
  await Promise.all([drawDevices(), loadPreferences()]);
}

start().catch((err) => sayError(status, err));
