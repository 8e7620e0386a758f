// One box's remote maintenance: run the doctor checks, fetch and download its logs, restart its program or reboot it.
import { api, ApiFailure, el, fill, formatTime, pageData, say } from './console.js';
import { failureText } from './fleet-format.js';

const { strings: s, lang, edgeId } = pageData();
const base = `/api/v1/edges/${edgeId}`;

/** The box's refusals in the reader's words; anything else as the server said it. */
function failure(err) {
  if (err instanceof ApiFailure) {
    if (err.code === 'emergency_on_air') return s.refusedEmergency;
    if (err.code === 'edge_unsupported') {
      const version = err.details?.softwareVersion;
      return version ? fill(s.refusedUnsupported, { version }) : s.refusedUnsupportedOld;
    }
    if (err.code === 'edge_offline') return s.refusedOffline;
    if (err.code === 'edge_timeout') return s.refusedTimeout;
    if (err.code === 'reboot_failed') return fill(s.rebootFailed, { message: err.message });
  }
  return failureText(err, s);
}

/** Runs an action with its buttons disabled. */
async function busy(buttons, action) {
  for (const b of buttons) b.disabled = true;
  try {
    await action();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

// ---------------------------------------------------------------- doctor

const doctorButton = document.getElementById('run-doctor');
const doctorStatus = document.getElementById('doctor-status');
doctorButton?.addEventListener('click', () => busy([doctorButton], async () => {
  say(doctorStatus, s.doctorRunning, 'notice');
  try {
    const result = await api('POST', `${base}/doctor`);
    const rows = result.checks.map((c) => el('tr', { className: c.ok ? 'check-ok' : 'check-failed' },
      el('td', {}, lang === 'vi' ? c.vi : c.en),
      el('td', {}, `${c.ok ? '✔' : '✘'} ${c.ok ? s.checkOk : s.checkFailed}`),
      el('td', {}, c.detail)));
    document.querySelector('#doctor-checks tbody').replaceChildren(...rows);
    document.getElementById('doctor-results').hidden = false;
    const failed = result.checks.filter((c) => !c.ok).length;
    const at = formatTime(result.finishedAt, lang, true);
    say(doctorStatus, failed ? fill(s.doctorProblems, { n: failed, at }) : fill(s.doctorAllOk, { at }), failed ? 'error' : 'success');
  } catch (err) {
    say(doctorStatus, failure(err), 'error');
  }
}));

// ---------------------------------------------------------------- logs

const logsForm = document.getElementById('logs-form');
const logsStatus = document.getElementById('logs-status');
const logsView = document.getElementById('log-lines-view');
const downloadButton = document.getElementById('download-logs');
let fetched = null;

/** A datetime-local value is commune time (Asia/Ho_Chi_Minh, UTC+7 all year): epoch ms, or null when empty. */
function communeTime(value) {
  if (!value) return null;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return Date.parse(`${withSeconds}+07:00`);
}

/** One line: box time, level and message, then the rest of its fields; text only, never HTML. */
function logLine(line) {
  let rest = '';
  try {
    const { level: _l, time: _t, pid: _p, name: _n, msg: _m, ...fields } = JSON.parse(line.text);
    rest = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
  } catch {
    return el('span', { className: 'log-line' }, `${line.text}\n`);
  }
  const level = (line.levelName ?? '?').toUpperCase().padEnd(5);
  return el('span', { className: `log-line log-${line.levelName ?? 'unknown'}` }, `${formatTime(line.at, lang, true)} ${level} ${line.msg}${rest}\n`);
}

logsForm?.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(logsForm);
  const request = {
    lines: Number(data.get('lines')),
    minLevel: data.get('minLevel'),
    from: communeTime(data.get('from')),
    to: communeTime(data.get('to')),
  };
  return busy([document.getElementById('fetch-logs')], async () => {
    say(logsStatus, s.logsFetching, 'notice');
    try {
      fetched = await api('POST', `${base}/logs`, request);
      const notes = [fill(s.logsSummary, { n: fetched.lines.length, at: formatTime(fetched.fetchedAt, lang, true) })];
      if (!fetched.fileLogging) notes.push(s.logsNoFile);
      else if (fetched.lines.length === 0) notes.push(s.logsNone);
      if (fetched.truncated) notes.push(s.logsTruncated);
      if (fetched.oldestAt) notes.push(fill(s.logsOldest, { at: formatTime(fetched.oldestAt, lang, true) }));
      logsView.replaceChildren(...fetched.lines.map(logLine));
      logsView.hidden = fetched.lines.length === 0;
      downloadButton.hidden = fetched.lines.length === 0;
      say(logsStatus, notes.join(' '), fetched.truncated ? 'notice' : 'success');
    } catch (err) {
      say(logsStatus, failure(err), 'error');
    }
  });
});

/** The lines exactly as the box wrote them (one JSON object a line), for jq or a colleague. */
downloadButton?.addEventListener('click', () => {
  if (!fetched) return;
  const blob = new Blob([fetched.lines.map((l) => l.text).join('\n') + '\n'], { type: 'application/x-ndjson' });
  const stamp = new Date(fetched.fetchedAt).toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const link = el('a', { href: URL.createObjectURL(blob), download: `sc-edge-${edgeId}-${stamp}.log` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
});

// ---------------------------------------------------------------- restart and reboot

const powerForm = document.getElementById('power-form');
const powerStatus = document.getElementById('power-status');
const restartButton = document.getElementById('restart-daemon');
const rebootButton = document.getElementById('reboot-box');

function power(command, confirmText, doneText) {
  const reason = powerForm.elements.reason.value.trim();
  if (reason.length < 3) {
    say(powerStatus, s.reasonMissing, 'error');
    powerForm.elements.reason.focus();
    return;
  }
  if (!confirm(confirmText)) return;
  const force = powerForm.elements.force.checked;
  return busy([restartButton, rebootButton], async () => {
    try {
      const result = await api('POST', `${base}/${command}`, { reason, force });
      say(powerStatus, result.overrode ? `${doneText} ${fill(s.overrode, { what: result.overrode })}` : doneText);
      powerForm.reset();
    } catch (err) {
      say(powerStatus, failure(err), 'error');
      if (err instanceof ApiFailure && err.code === 'emergency_on_air') powerForm.elements.force.focus();
    }
  });
}

restartButton?.addEventListener('click', () => power('restart', s.restartConfirm, s.restartDone));
rebootButton?.addEventListener('click', () => power('reboot', s.rebootConfirm, s.rebootDone));
