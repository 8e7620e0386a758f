// "Cập nhật phần mềm": upload a signed bundle (sent as the raw body; the cloud checks it before storing),
// start a rollout, pause/resume/cancel one, delete a release. Every change goes through the API (audited
// there); the page then reloads from the server so it shows what is stored.
import { ApiFailure, apiResponse, describeFailure, fill, pageData, say } from './console.js';

const { strings } = pageData();
const status = document.getElementById('releases-status');

/** Sends a change, says the outcome, reloads. */
async function change(buttons, call, doneText) {
  for (const b of buttons) b.disabled = true;
  say(status, strings.saving, 'notice');
  try {
    const res = await call();
    const body = res && (res.headers.get('content-type') ?? '').includes('json') ? await res.json() : null;
    say(status, typeof doneText === 'function' ? doneText(body) : doneText);
    setTimeout(() => location.reload(), 800);
  } catch (err) {
    say(status, describeFailure(err, strings), 'error');
    for (const b of buttons) b.disabled = false;
  }
}

const upload = document.getElementById('upload-release');
upload?.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = upload.querySelector('input[type=file]').files[0];
  if (!file) return;
  say(status, strings.uploading, 'notice');
  // the raw file, not a multipart form: the cloud streams the body straight to disk
  void change(upload.querySelectorAll('button'), async () => {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
    const res = await fetch('/api/v1/releases', { method: 'POST', body: file, credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf, accept: 'application/json' } });
    if (!res.ok) throw new ApiFailure(res.status, (await res.json().catch(() => null))?.error);
    return res;
  }, (body) => fill(strings.uploaded, { version: body?.version ?? '', arch: body?.arch ?? '' }));
});

const form = document.getElementById('new-rollout');
form?.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const kind = data.get('scope');
  // places: the ticked communes (all their boxes) and hamlets; the API says which has no box
  const scope =
    kind === 'places'
      ? { kind, communeCodes: data.getAll('communes').map(String), hamletCodes: data.getAll('hamlets').map(String) }
      : kind === 'edges'
        ? { kind, edgeIds: [...form.querySelector('#r-edges').selectedOptions].map((o) => o.value) }
        : { kind: 'commune' };
  const waves = String(data.get('waves') ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)
    .map(Number);
  const body = { version: data.get('version'), scope, waves, soakS: Number(data.get('soak') || 0), failureThreshold: Number(data.get('threshold') || 0) / 100 };
  void change(form.querySelectorAll('button'), () => apiResponse('POST', '/api/v1/rollouts', body), strings.started);
});

for (const button of document.querySelectorAll('button.rollout-action')) {
  button.addEventListener('click', () => {
    const { id, verb } = button.dataset;
    if (verb === 'cancel' && !confirm(strings.confirmCancel)) return;
    void change([button], () => apiResponse('POST', `/api/v1/rollouts/${encodeURIComponent(id)}/${verb}`), strings.done);
  });
}

for (const button of document.querySelectorAll('button.release-delete')) {
  button.addEventListener('click', () => {
    const { version, arch } = button.dataset;
    if (!confirm(fill(strings.confirmDelete, { version, arch }))) return;
    void change([button], () => apiResponse('DELETE', `/api/v1/releases/${encodeURIComponent(version)}/${encodeURIComponent(arch)}`), strings.deleted);
  });
}

// a key-rotation message: the file as "scripts/release-keys rotate" wrote it, sent unchanged for the boxes to check
const rotate = document.getElementById('rotate-keys');
rotate?.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = rotate.querySelector('input[type=file]').files[0];
  if (!file) return;
  void (async () => {
    let message;
    try {
      message = JSON.parse(await file.text());
    } catch {
      say(status, strings.rotationNotJson, 'error');
      return;
    }
    const kind = rotate.querySelector('#k-target').value;
    const target =
      kind === 'edges'
        ? { kind, edgeIds: [...rotate.querySelector('#k-edges').selectedOptions].map((o) => o.value) }
        : kind === 'rollout'
          ? { kind, rolloutId: rotate.querySelector('#k-rollout').value }
          : { kind: 'all' };
    await change(rotate.querySelectorAll('button'), () => apiResponse('POST', '/api/v1/release-keys/rotations', { message, target }), (body) =>
      fill(strings.rotationSent, { applied: body?.counts?.applied ?? 0, pending: body?.counts?.pending ?? 0, refused: body?.counts?.refused ?? 0, skipped: body?.skipped?.length ?? 0 }),
    );
  })();
});
