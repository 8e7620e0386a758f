// Shared by every console page: the page's data block, JSON API calls with the CSRF token, small formatters.

/** What the server handed this page (see PageContent.data): lang, strings, ids. */
export function pageData() {
  const block = document.getElementById('page-data');
  return block ? JSON.parse(block.textContent || '{}') : {};
}

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

/** An API error with the server's code, message and details (e.g. conflicts of a 409). */
export class ApiFailure extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 'http_error';
    this.details = error?.details;
  }
}

/**
 * Calls the JSON API with the session cookie; changes carry the CSRF token. `body` may be a plain
 * object (sent as JSON) or FormData (multipart upload). Resolves to the parsed JSON (or null).
 */
export async function api(method, path, body) {
  const res = await apiResponse(method, path, body);
  const text = await res.text();
  return text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null;
}

/** The same call, resolving to the Response itself: for answers that are not JSON (audio). */
export async function apiResponse(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrf();
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new ApiFailure(401, { code: 'unauthorized', message: 'session ended' });
  }
  if (!res.ok) throw new ApiFailure(res.status, (await res.json().catch(() => null))?.error);
  return res;
}

/** Shows a message in a status element (role=status or alert), replacing what was there. */
export function say(element, text, kind = 'success') {
  element.hidden = !text;
  element.className = kind;
  element.textContent = text;
}

/** A failed call in words: the server's message, or "cannot reach the server". */
export function describeFailure(err, strings) {
  if (err instanceof ApiFailure) return (strings.errorGeneric ?? 'Error: {message}').replace('{message}', err.message);
  return strings.errorNetwork ?? String(err);
}

/**
 * Runs a change with these buttons disabled: says the words it returns in the status element, then
 * runs `after` (the page drawn again); a failure is said in words (strings: the page's).
 */
export async function runChange(buttons, { status, strings, after }, change) {
  for (const b of buttons) b.disabled = true;
  try {
    say(status, await change());
    await after();
  } catch (err) {
    say(status, describeFailure(err, strings), 'error');
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** 95 000 ms → "1:35". */
export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Epoch ms in the commune's time zone, day and minute (dd/mm/yyyy hh:mm). */
export function formatTime(ms, lang = 'vi', withSeconds = false) {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}), hour12: false,
  }).format(new Date(ms));
}

/** Fills a string's {placeholders}. */
export function fill(text, params = {}) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A link-styled button whose accessible name says what it acts on ("Sửa: Cổng trường"). */
export function actionButton(label, subject, onClick) {
  const button = el('button', { type: 'button', className: 'link', textContent: label });
  button.setAttribute('aria-label', `${label}: ${subject}`);
  button.addEventListener('click', onClick);
  return button;
}

/** Creates an element: el('td', { className: 'x' }, 'text', child). Text is never parsed as HTML. */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

addEventListener('offline', () => { document.getElementById('offline').hidden = false; });
addEventListener('online', () => { document.getElementById('offline').hidden = true; });
