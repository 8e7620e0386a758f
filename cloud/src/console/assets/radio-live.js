// The live voice page: choose where and how urgent, confirm, then stream the microphone to the
// cloud while showing the level, the elapsed time and which hamlets play it, until Stop.
//
// Why MediaRecorder and not an AudioWorklet: the browser encodes Opus itself (about 32 kbit/s
// instead of 768 kbit/s of raw PCM, which matters on a phone's 3G/4G link), every browser the
// operators use has it (Android Chrome, desktop Chrome/Edge/Firefox), and the cloud decodes the
// WebM pieces with one ffmpeg per session. A 100 ms timeslice keeps the added delay small.
import { api, ApiFailure, describeFailure, el, fill, formatDuration, pageData, say } from './console.js';

// shared/src/api/live.ts and live-voice.ts, repeated (no bundler): the paths, the recording format, the close codes
const LIVE_API_PATH = '/api/v1/radio/live';
const sessionPath = (id) => `${LIVE_API_PATH}/${id}`;
const MIME = 'audio/webm;codecs=opus';
const TIMESLICE_MS = 100;
const CLOSE = { badAudio: 4400, tooFast: 4429, replaced: 4409, ended: 4410, tooBig: 1009 };
/** Reconnect attempts after a dropped socket, every RETRY_MS: the cloud ends the session after its grace anyway. */
const RETRY_MS = 500;

const data = pageData();
const s = data.strings;
const lang = data.lang;
const hamletName = new Map(data.hamlets.map((h) => [h.code, h.name]));

const form = /** @type {HTMLFormElement} */ (document.getElementById('live-form'));
const confirmBox = document.getElementById('live-confirm');
const status = document.getElementById('live-status');
const panel = document.getElementById('live-panel');
const setup = document.getElementById('live-setup');
const level = /** @type {HTMLMeterElement} */ (document.getElementById('live-level'));
const linkNote = document.getElementById('live-link');
const elapsed = document.getElementById('live-elapsed');
const endedNote = document.getElementById('live-ended');
const stopButton = /** @type {HTMLButtonElement} */ (document.getElementById('live-stop'));
const startButton = /** @type {HTMLButtonElement} */ (document.getElementById('live-start'));

/** What the operator chose, between the form and the confirmation. */
let pending = null;
/** The session on air: its id, socket path, stream, recorder, socket, timers. */
let live = null;

const checked = (name) => [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => /** @type {HTMLInputElement} */ (i).value);

function unsupported() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) return s.insecure;
  if (typeof MediaRecorder === 'undefined' || !MediaRecorder.isTypeSupported(MIME)) return s.noRecorder;
  return null;
}

const problem = unsupported();
if (problem) {
  say(document.getElementById('live-unsupported'), problem, 'error');
  for (const b of form.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = true;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const all = checked('live-target')[0] !== 'chosen';
  const hamlets = checked('live-hamlet');
  if (!all && hamlets.length === 0) return say(status, s.chooseHamlet, 'error');
  const zoneScope = checked('live-zone-scope')[0];
  const zones = zoneScope === 'chosen' ? checked('live-zone') : null;
  if (zones && zones.length === 0) return say(status, s.chooseZone, 'error');
  const title = /** @type {HTMLInputElement} */ (document.getElementById('live-title')).value.trim() || s.defaultTitle;
  const priority = checked('live-priority')[0] ?? 'normal';
  const where = all ? s.allHamlets : hamlets.map((c) => hamletName.get(c) ?? c).join(', ');
  // `what` is the on-air panel's sentence; the rest is the session to start
  pending = { title, priority, targets: all ? { all: true } : { hamlets }, zones, what: fill(s.onAirWhat, { title, where, priority: s[`priority_${priority}`] }) };
  const text = fill(s.confirmText, { title, where, priority: s[`priority_${priority}`] }) + (zones ? ` ${fill(s.confirmZones, { zones: zones.join(', ') })}` : '');
  document.getElementById('live-confirm-text').textContent = text;
  say(status, '');
  form.hidden = true;
  confirmBox.hidden = false;
  startButton.focus();
});

document.getElementById('live-back').addEventListener('click', () => {
  confirmBox.hidden = true;
  form.hidden = false;
  pending = null;
});

startButton.addEventListener('click', () => void goOnAir());
stopButton.addEventListener('click', () => void stop());

/** Microphone first (its prompt must not eat the session's connect time), then the session, then the socket. */
async function goOnAir() {
  if (!pending || live) return;
  startButton.disabled = true;
  let stream;
  try {
    say(status, s.askingMic);
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: true, autoGainControl: true } });
  } catch (err) {
    startButton.disabled = false;
    return say(status, fill(s.micRefused, { message: err instanceof Error ? err.message : String(err) }), 'error');
  }
  let opened;
  try {
    say(status, s.opening);
    const { what, ...spec } = pending;
    opened = await api('POST', LIVE_API_PATH, spec);
  } catch (err) {
    for (const track of stream.getTracks()) track.stop();
    startButton.disabled = false;
    return say(status, describeFailure(err, s), 'error');
  }
  live = { id: opened.id, socketPath: `${sessionPath(opened.id)}/voice`, stream, startedAt: Date.now(), socket: null, recorder: null, ended: false, timers: [] };
  say(endedNote, '');
  say(status, '');
  confirmBox.hidden = true;
  setup.hidden = true;
  panel.hidden = false;
  document.getElementById('live-what').textContent = pending.what;
  drawHamlets(opened);
  startMeter(stream);
  connect();
  live.timers.push(setInterval(() => void follow(), 1500));
  live.timers.push(setInterval(() => (elapsed.textContent = fill(s.onAirSince, { elapsed: formatDuration(Date.now() - live.startedAt) })), 500));
  stopButton.focus();
}

/** One socket and one recorder: a reconnection starts both anew (a new WebM stream, header first). */
function connect() {
  if (!live || live.ended) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const url = new URL(`${live.socketPath}?csrf=${encodeURIComponent(csrf)}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(url);
  live.socket = socket;
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('message', (event) => {
    const message = typeof event.data === 'string' ? JSON.parse(event.data) : null;
    if (message?.type === 'ready') {
      say(linkNote, '');
      record(socket);
    } else if (message?.type === 'ended') finish(message.reason, message.detail);
  });
  socket.addEventListener('close', (event) => {
    if (live?.socket !== socket) return;
    stopRecorder();
    if (!live || live.ended) return;
    if (event.code === CLOSE.ended || event.code === 1000) return void follow();
    // refusals the page cannot fix by reconnecting: said in words, the session ends after its grace
    if ([CLOSE.badAudio, CLOSE.tooFast, CLOSE.replaced, CLOSE.tooBig].includes(event.code)) {
      const why = event.code === CLOSE.replaced ? s.replaced : event.code === CLOSE.badAudio ? s.badAudio : s.tooFast;
      return say(linkNote, why, 'error');
    }
    say(linkNote, s.reconnecting, 'notice');
    setTimeout(connect, RETRY_MS);
  });
}

function record(socket) {
  const recorder = new MediaRecorder(live.stream, { mimeType: MIME, audioBitsPerSecond: 32_000 });
  live.recorder = recorder;
  recorder.addEventListener('dataavailable', (event) => {
    // pieces go out in order; one that finds the socket closed is lost with it, and the reconnection starts a new stream
    if (event.data.size > 0 && socket.readyState === WebSocket.OPEN) socket.send(event.data);
  });
  recorder.start(TIMESLICE_MS);
}

function stopRecorder() {
  if (live?.recorder && live.recorder.state !== 'inactive') live.recorder.stop();
  if (live) live.recorder = null;
}

/** The microphone level, drawn every frame from an analyser on the same stream. */
function startMeter(stream) {
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const draw = () => {
    if (!live || live.ended) return void context.close();
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    // RMS on a rough dB scale, so speech moves the bar and silence leaves it near empty
    const db = 20 * Math.log10(Math.sqrt(sum / samples.length) + 1e-9);
    level.value = Math.max(0, Math.min(1, (db + 60) / 60));
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);
}

/** The session as the cloud sees it: hamlets playing, the end. */
async function follow() {
  if (!live || live.ended) return;
  try {
    const session = await api('GET', sessionPath(live.id));
    drawHamlets(session);
    if (session.status === 'ended') finish(session.endReason, session.endDetail);
  } catch (err) {
    if (!(err instanceof ApiFailure)) say(linkNote, s.reconnecting, 'notice');
  }
}

/** Proof of play's last word from each hamlet, in the page's terms. */
const STATE = { started: 'playing', resumed: 'playing', completed: 'done', interrupted: 'interrupted', failed: 'failed', missed: 'failed' };

/** Hamlet codes in the commune's usual order. */
const position = new Map(data.hamlets.map((h, i) => [h.code, i]));
const order = (codes) => [...codes].sort((a, b) => (position.get(a) ?? 99) - (position.get(b) ?? 99));

/** Every targeted hamlet, with what its boxes last reported (waiting until they start). */
function drawHamlets(session) {
  const reported = new Map((session.hamlets ?? []).map((h) => [h.hamletCode, STATE[h.lastState] ?? 'waiting']));
  const body = document.querySelector('#live-hamlet-list tbody');
  body.replaceChildren(
    ...order(session.hamletCodes).map((code) => {
      const state = reported.get(code) ?? 'waiting';
      return el('tr', { className: `hamlet-${state}` }, el('td', { textContent: hamletName.get(code) ?? code }), el('td', { textContent: s[`state_${state}`] }));
    }),
  );
}

async function stop() {
  if (!live || live.ended) return;
  stopButton.disabled = true;
  stopButton.textContent = s.stopping;
  const { socket, recorder } = live;
  if (socket?.readyState === WebSocket.OPEN && recorder && recorder.state !== 'inactive') {
    // the recorder's last piece, then the stop command, in order on the socket: the last words are
    // decoded before the session ends; the cloud answers {"type":"ended"} (finish)
    recorder.addEventListener('stop', () => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: 'stop' })), { once: true });
    stopRecorder();
    const id = live.id;
    setTimeout(() => live?.id === id && !live.ended && void stopOverHttp(), 5000);
    return;
  }
  stopRecorder();
  await stopOverHttp();
}

/** Without a working socket: the live sessions' own stop. */
async function stopOverHttp() {
  if (!live || live.ended) return;
  try {
    const ended = await api('POST', `${sessionPath(live.id)}/stop`);
    finish(ended?.endReason ?? 'stopped', ended?.endDetail ?? null);
  } catch (err) {
    stopButton.disabled = false;
    stopButton.textContent = s.stop;
    say(linkNote, describeFailure(err, s), 'error');
  }
}

/** The session is over, whoever ended it: the microphone is released and the page says why. */
function finish(reason, detail) {
  if (!live || live.ended) return;
  const ending = live;
  ending.ended = true;
  for (const t of ending.timers) clearInterval(t);
  stopRecorder();
  for (const track of ending.stream.getTracks()) track.stop();
  ending.socket?.close(1000, 'done');
  panel.hidden = true;
  stopButton.disabled = false;
  stopButton.textContent = s.stop;
  const kind = reason === 'stopped' ? 'success' : 'error';
  const text = fill(s[`ended_${reason}`] ?? s.ended_stopped, { detail: detail ?? '' });
  say(endedNote, text, kind);
  form.hidden = false;
  setup.hidden = false;
  startButton.disabled = false;
  live = null;
  // the recording becomes a bulletin once its stream is closed: say which, a moment later
  setTimeout(async () => {
    const session = await api('GET', sessionPath(ending.id)).catch(() => null);
    if (session?.bulletinId) say(endedNote, `${text} ${fill(s.recording, { title: session.title })}`, kind);
  }, 2500);
}

addEventListener('beforeunload', (event) => {
  if (live && !live.ended) event.preventDefault();
});
