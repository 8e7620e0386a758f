// Bulletins page: create from text (speech) or upload, listen in the page, see duration and loudness.
import { api, apiResponse, describeFailure, el, fill, formatDuration, pageData, say } from './console.js';
import { fetchReach, reachLine } from './radio-reach.js';

const { strings: s, voices, lang } = pageData();
const status = document.getElementById('bulletin-status');
const voiceLabel = (id) => voices.find((v) => v.id === id)?.label ?? id ?? '—';
const lufs = (b) => `${b.integratedLufs.toFixed(1)} LUFS`;

function showResult(bulletin) {
  document.getElementById('result').hidden = false;
  document.getElementById('result-title').textContent = bulletin.title;
  const audio = document.getElementById('result-audio');
  audio.src = `/api/v1/bulletins/${encodeURIComponent(bulletin.id)}/audio`;
  audio.load();
  document.getElementById('result-duration').textContent = formatDuration(bulletin.durationMs);
  document.getElementById('result-loudness').textContent = lufs(bulletin);
  document.getElementById('result-peak').textContent = `${bulletin.truePeakDbtp.toFixed(1)} dBTP`;
  document.getElementById('result-schedule').href = `/radio/schedule?bulletin=${encodeURIComponent(bulletin.id)}`;
  audio.focus();
}

/** Runs a form's submission with its button disabled and a progress message. */
async function submitting(form, busyText, work) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  say(status, busyText, 'notice');
  try {
    const bulletin = await work();
    say(status, '');
    showResult(bulletin);
    await listRecent();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  } finally {
    button.disabled = false;
  }
}

const speechForm = document.getElementById('speech-form');
const speechOf = (data) => ({ text: data.get('text'), voice: data.get('voice'), speed: Number(data.get('speed')) });

// hear the text before saving it: the audio comes back as bytes, played from a blob: URL, nothing stored
const previewButton = document.getElementById('speech-preview');
const previewAudio = document.getElementById('speech-preview-audio');
previewButton.addEventListener('click', async () => {
  if (!speechForm.elements.text.reportValidity() || !speechForm.elements.speed.reportValidity()) return;
  previewButton.disabled = true;
  say(status, s.previewing, 'notice');
  try {
    const res = await apiResponse('POST', '/api/v1/bulletins/preview', speechOf(new FormData(speechForm)));
    if (previewAudio.src) URL.revokeObjectURL(previewAudio.src);
    previewAudio.src = URL.createObjectURL(await res.blob());
    document.getElementById('speech-preview-facts').textContent = fill(s.previewFacts, {
      duration: formatDuration(Number(res.headers.get('x-duration-ms'))),
      lufs: `${res.headers.get('x-integrated-lufs')} LUFS`,
    });
    document.getElementById('speech-heard').hidden = false;
    say(status, '');
    previewAudio.focus();
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  } finally {
    previewButton.disabled = false;
  }
});

speechForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(speechForm);
  submitting(speechForm, s.saving, () => api('POST', '/api/v1/bulletins', { title: data.get('title'), ...speechOf(data) }));
});

const fileInput = document.getElementById('upload-file');
const localAudio = document.getElementById('upload-local');
fileInput.addEventListener('change', () => {
  // the chosen file can be heard before it is sent (a blob: URL, allowed by the CSP's media-src)
  if (localAudio.src) URL.revokeObjectURL(localAudio.src);
  const file = fileInput.files[0];
  localAudio.hidden = !file;
  if (file) localAudio.src = URL.createObjectURL(file);
});

document.getElementById('upload-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  submitting(form, s.uploading, () => api('POST', '/api/v1/bulletins', new FormData(form)));
});

async function listRecent() {
  const body = document.querySelector('#bulletin-list tbody');
  try {
    const { bulletins } = await api('GET', '/api/v1/bulletins?limit=20');
    // where each went: its plays on the loudspeakers and the phones it reached
    const reaches = await Promise.all(bulletins.map((b) => fetchReach(`bulletin:${b.id}`)));
    bulletins.forEach((b, i) => { b.reach = reaches[i]; });
    body.replaceChildren(
      ...(bulletins.length ? bulletins.map(row) : [el('tr', {}, el('td', { colSpan: 5, textContent: s.noBulletins }))]),
    );
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

function row(b) {
  const listen = el('button', { type: 'button', textContent: s.listen });
  listen.addEventListener('click', () => showResult(b));
  const schedule = el('a', { href: `/radio/schedule?bulletin=${encodeURIComponent(b.id)}`, textContent: s.scheduleShort });
  return el('tr', {},
    el('td', {}, el('strong', { textContent: b.title }), el('br'), el('span', { className: 'hint', textContent: s[`kind_${b.kind}`] }), b.reach ? reachLine(b.reach, s, lang) : null),
    el('td', { textContent: b.kind === 'tts' ? voiceLabel(b.voice) : (b.originalName ?? '—') }),
    el('td', { textContent: formatDuration(b.durationMs) }),
    el('td', { textContent: lufs(b) }),
    el('td', {}, el('div', { className: 'actions' }, listen, schedule)),
  );
}

listRecent();
