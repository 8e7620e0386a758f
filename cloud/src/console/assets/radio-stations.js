// Station relays (tiếp sóng): what is on air and how its stream is, relay now, the stations, the relay schedule, recent relays.
import { actionButton, api, describeFailure, el, fill, formatDuration, formatTime, pageData, runChange, say } from './console.js';

const { strings: s, lang, hamlets } = pageData();
const hamletName = (code) => hamlets.find((h) => h.code === code)?.name ?? code;
const onAir = document.getElementById('on-air');
const relayForm = document.getElementById('relay-form');
const relayStatus = document.getElementById('relay-status');
const windowForm = document.getElementById('window-form');
const windowList = document.getElementById('window-list');
const stationForm = document.getElementById('station-form');
const stationStatus = document.getElementById('station-status');
const stationBody = document.querySelector('#station-list tbody');
const historyBody = document.querySelector('#relay-history tbody');

let stations = [];
/** What is drawn now, per list: redrawn only when it changes, so a focused button keeps its focus. */
const shown = {};
const changed = (key, value) => {
  const fresh = JSON.stringify(value);
  if (shown[key] === fresh) return false;
  shown[key] = fresh;
  return true;
};

/** The targets a form's hamlet picker says; null (and a message) when "chosen" has none ticked. */
function targetsOf(form, prefix, status) {
  if (form.querySelector(`input[name="${prefix}-target"]:checked`).value === 'all') return { all: true };
  const chosen = [...form.querySelectorAll(`input[name="${prefix}-hamlet"]:checked`)].map((b) => b.value);
  if (!chosen.length) {
    say(status, s.pickHamlet, 'error');
    return null;
  }
  return { hamlets: chosen };
}
const targetsText = (t) => (t.all ? s.allHamlets : (t.hamlets ?? []).map(hamletName).join(', ') || fill(s.hamletsList, { n: (t.edges ?? t.zones ?? []).length }));

function streamText(live) {
  const text = fill(s[`stream_${live.status}`] ?? live.status, { n: live.reconnects });
  return live.onFallback ? `${text} (${s.onFallback})` : text;
}

function onAirCard(r) {
  const stop = el('button', { type: 'button', textContent: s.stop });
  stop.setAttribute('aria-label', `${s.stop}: ${r.title}`);
  stop.addEventListener('click', () => {
    if (!confirm(fill(s.confirmStop, { title: r.title }))) return;
    runChange([stop], { status: relayStatus, strings: s, after: refresh }, async () => {
      await api('POST', `/api/v1/relays/${encodeURIComponent(r.id)}/stop`);
      return fill(s.stopped, { title: r.title });
    });
  });
  const badge = { playing: 'active', reconnecting: 'interrupted', connecting: '' }[r.live.status] ?? '';
  return el('article', { className: 'card' },
    el('h3', { textContent: r.title === r.stationName ? r.title : `${r.title} — ${r.stationName}` }),
    el('p', {}, el('span', { className: `badge ${badge}`, textContent: streamText(r.live) }), ' ', el('span', { className: 'hint', textContent: r.live.url })),
    el('p', { textContent: fill(s.playedSilence, { played: formatDuration(r.live.playedMs), silence: formatDuration(r.live.silenceMs) }) + ' · ' + (r.endsAt ? fill(s.endsAt, { at: formatTime(r.endsAt, lang, true) }) : s.untilStopped) }),
    r.live.lastError && r.live.status !== 'playing' ? el('p', { className: 'hint', textContent: fill(s.lastError, { error: r.live.lastError }) }) : null,
    el('ul', { className: 'choices' }, ...r.hamlets.map((h) => el('li', {}, `${hamletName(h.hamletCode)}: `, el('span', { className: `badge ${h.lastState === 'started' || h.lastState === 'resumed' ? 'active' : ''}`, textContent: s[`hamletState_${h.lastState ?? 'none'}`] ?? h.lastState })))),
    el('div', { className: 'actions' }, stop),
  );
}

function historyRow(r) {
  const urls = r.urls.map((u) => `${u.url} (${s[`role_${u.role}`]}, ${formatDuration(u.playedMs)})`).join('; ');
  const heard = r.hamlets.filter((h) => h.firstStartedAt !== null).map((h) => hamletName(h.hamletCode));
  return el('tr', {},
    el('td', { textContent: formatTime(r.startedAt, lang) }),
    el('td', {}, el('strong', { textContent: r.title }), r.title === r.stationName ? null : el('br'), r.title === r.stationName ? null : el('span', { className: 'hint', textContent: r.stationName })),
    el('td', { textContent: heard.length ? heard.join(', ') : targetsText(r.targets) }),
    el('td', {}, `${s[`reason_${r.endReason}`] ?? r.endReason}. `, fill(s.playedSilence, { played: formatDuration(r.playedMs), silence: formatDuration(r.silenceMs) }), r.lastError ? el('br') : null, r.lastError ? el('span', { className: 'hint', textContent: r.lastError }) : null),
    el('td', { className: 'hint', textContent: urls || s.none }),
  );
}

async function listRelays() {
  const { relays } = await api('GET', '/api/v1/relays?limit=20');
  const live = relays.filter((r) => r.live);
  const past = relays.filter((r) => !r.live);
  if (changed('onAir', live)) onAir.replaceChildren(...(live.length ? live.map(onAirCard) : [el('p', { className: 'hint', textContent: s.nothingOnAir })]));
  if (changed('history', past)) historyBody.replaceChildren(...past.map(historyRow));
}

function stationRow(st) {
  const check = actionButton(s.check, st.name, async () => {
    check.disabled = true;
    say(stationStatus, fill(s.checking, { name: st.name }), 'notice');
    try {
      const { primary, fallback } = await api('POST', `/api/v1/stations/${encodeURIComponent(st.id)}/check`);
      const text = [fill(s.checkPrimary, { message: primary.message }), fallback ? fill(s.checkFallback, { message: fallback.message }) : null].filter(Boolean).join(' ');
      say(stationStatus, text, primary.ok && (!fallback || fallback.ok) ? 'success' : 'error');
    } catch (err) {
      say(stationStatus, describeFailure(err, s), 'error');
    } finally {
      check.disabled = false;
    }
  });
  const remove = actionButton(s.deleteStation, st.name, () => {
    if (!confirm(fill(s.confirmDeleteStation, { name: st.name }))) return;
    runChange([remove], { status: stationStatus, strings: s, after: refresh }, async () => {
      await api('DELETE', `/api/v1/stations/${encodeURIComponent(st.id)}`);
      return fill(s.stationDeleted, { name: st.name });
    });
  });
  return el('tr', {},
    el('td', {}, el('strong', { textContent: st.name })),
    el('td', { className: 'hint', textContent: st.url }),
    el('td', { className: 'hint', textContent: st.fallbackUrl ?? s.none }),
    el('td', {}, el('div', { className: 'actions' }, check, remove)),
  );
}

async function listStations() {
  ({ stations } = await api('GET', '/api/v1/stations'));
  if (!changed('stations', stations)) return;
  stationBody.replaceChildren(...(stations.length ? stations.map(stationRow) : [el('tr', {}, el('td', { colSpan: 4, textContent: s.noStations }))]));
  for (const select of [relayForm.elements.station, windowForm.elements.station]) {
    const kept = select.value;
    select.replaceChildren(el('option', { value: '', textContent: s.chooseStation }), ...stations.map((st) => el('option', { value: st.id, textContent: st.name })));
    select.value = kept;
  }
}

async function listWindows() {
  const { schedules } = await api('GET', '/api/v1/schedules');
  const windows = schedules.filter((x) => x.source.kind === 'station');
  if (!changed('windows', windows)) return;
  const details = await Promise.all(windows.map((w) => api('GET', `/api/v1/schedules/${encodeURIComponent(w.id)}`)));
  windowList.replaceChildren(...(details.length ? details.map((w) => {
    const station = stations.find((st) => st.id === w.source.stationId)?.name ?? w.source.stationId;
    const next = w.nextOccurrences[0];
    const remove = actionButton(s.deleteWindow, w.title, () => {
      if (!confirm(fill(s.confirmDeleteWindow, { title: w.title }))) return;
      runChange([remove], { status: relayStatus, strings: s, after: refresh }, async () => {
        await api('DELETE', `/api/v1/schedules/${encodeURIComponent(w.id)}`);
        return '';
      });
    });
    return el('li', {}, el('strong', { textContent: w.title }), ` — ${station}, ${formatDuration(w.durationMs)}, ${targetsText(w.targets)}. `,
      el('span', { className: 'hint', textContent: next ? fill(s.nextWindow, { at: formatTime(next.startAt, lang) }) : s.noNextWindow }), ' ', remove);
  }) : [el('li', { className: 'hint', textContent: s.noWindows })]));
}

async function refresh() {
  try {
    await listStations();
    await Promise.all([listRelays(), listWindows()]);
  } catch (err) {
    say(relayStatus, describeFailure(err, s), 'error');
  }
}

relayForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const targets = targetsOf(relayForm, 'relay', relayStatus);
  if (!targets) return;
  const station = stations.find((st) => st.id === relayForm.elements.station.value);
  if (!station || !confirm(fill(s.confirmRelay, { station: station.name, targets: targetsText(targets) }))) return;
  const minutes = relayForm.elements.minutes.value;
  say(relayStatus, s.starting, 'notice');
  runChange([relayForm.querySelector('button[type="submit"]')], { status: relayStatus, strings: s, after: refresh }, async () => {
    await api('POST', '/api/v1/relays', { stationId: station.id, priority: relayForm.elements.priority.value, targets, durationS: minutes ? Number(minutes) * 60 : null });
    return fill(s.started, { station: station.name });
  });
});

windowForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const targets = targetsOf(windowForm, 'window', relayStatus);
  if (!targets) return;
  const f = windowForm.elements;
  const repeat = windowForm.querySelector('input[name="repeat"]:checked').value;
  const rrule = { once: null, daily: 'FREQ=DAILY', weekdays: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' }[repeat];
  runChange([windowForm.querySelector('button[type="submit"]')], { status: relayStatus, strings: s, after: refresh }, async () => {
    const title = f.title.value.trim();
    await api('POST', '/api/v1/schedules', {
      title,
      source: { kind: 'station', stationId: f.station.value, durationS: Number(f.minutes.value) * 60 },
      startsLocal: `${f.date.value}T${f.time.value}`,
      rrule,
      priority: f.priority.value,
      targets,
    });
    windowForm.reset();
    return fill(s.windowAdded, { title });
  });
});

async function checkTyped() {
  const url = stationForm.elements.url.value.trim();
  const fallback = stationForm.elements.fallbackUrl.value.trim();
  say(stationStatus, fill(s.checking, { name: url }), 'notice');
  const primary = await api('POST', '/api/v1/stations/check', { url });
  const second = fallback ? await api('POST', '/api/v1/stations/check', { url: fallback }) : null;
  return { ok: primary.ok && (!second || second.ok), text: [fill(s.checkPrimary, { message: primary.message }), second ? fill(s.checkFallback, { message: second.message }) : null].filter(Boolean).join(' ') };
}

document.getElementById('station-check').addEventListener('click', async (event) => {
  if (!stationForm.elements.url.reportValidity()) return;
  event.target.disabled = true;
  try {
    const { ok, text } = await checkTyped();
    say(stationStatus, text, ok ? 'success' : 'error');
  } catch (err) {
    say(stationStatus, describeFailure(err, s), 'error');
  } finally {
    event.target.disabled = false;
  }
});

stationForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const f = stationForm.elements;
  runChange([stationForm.querySelector('button[type="submit"]')], { status: stationStatus, strings: s, after: refresh }, async () => {
    const station = await api('POST', '/api/v1/stations', { name: f.name.value.trim(), url: f.url.value.trim(), fallbackUrl: f.fallbackUrl.value.trim() || null });
    stationForm.reset();
    return fill(s.stationAdded, { name: station.name });
  });
});

windowForm.elements.date.value = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
refresh();
// the stream's state and the hamlets' reports change by the second: follow them while the page is open
setInterval(() => { if (!document.hidden) listRelays().catch(() => {}); }, 2000);
