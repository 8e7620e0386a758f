// A citizen's report: its status and public reply saved through the reports API.
import { api, describeFailure, pageData, say } from './console.js';

const { strings } = pageData();
const form = document.getElementById('report-form');
const status = document.getElementById('report-save-status');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const reply = document.getElementById('public-reply').value.trim();
  say(status, strings.saving, 'notice');
  try {
    await api('PATCH', `/api/v1/reports/${form.dataset.code}`, { status: document.getElementById('report-status-select').value, publicReply: reply === '' ? null : reply });
    location.reload();
  } catch (err) {
    say(status, describeFailure(err, strings), 'error');
  }
});
