// An incident's review: status, assignee, legal hold and notes through the incidents API; the
// evidence hashes checked again in the browser on request.
import { api, describeFailure, fill, pageData, say } from './console.js';

const { incidentId, strings } = pageData();
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
