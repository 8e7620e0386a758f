// Users page: create an account, change a role, disable or enable, reset a password, through the users API.
// After a change the page reloads from the server with a confirmation, so the list is always what is stored.
import { api, ApiFailure, describeFailure, pageData, say } from './console.js';

const { strings } = pageData();
const status = document.getElementById('users-status');

function reloadWith(done, username) {
  location.assign(`/admin/users?${new URLSearchParams({ done, user: username })}`);
}

/** Why the API found a password too easy to guess, in the page's language; null for any other failure. */
function weakReason(err) {
  return err instanceof ApiFailure && err.code === 'weak_password' ? strings.weak[err.details?.[0]?.reason] ?? null : null;
}

/**
 * Runs a change with the buttons disabled; shows a failure in words. A 409 means the username is
 * taken (creating) or the change would leave no active admin (changing).
 */
async function change(buttons, work, conflictText = strings.lastAdmin) {
  for (const b of buttons) b.disabled = true;
  say(status, strings.saving, 'notice');
  try {
    await work();
  } catch (err) {
    say(status, err instanceof ApiFailure && err.status === 409 ? conflictText : weakReason(err) ?? describeFailure(err, strings), 'error');
    for (const b of buttons) b.disabled = false;
  }
}

/** The commune chosen, when the page offers the choice (the province's admin): "" is province-level. */
function communeOf(data) {
  return data.has('communeCode') ? { communeCode: data.get('communeCode') || null } : {};
}

document.getElementById('create-user').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const username = String(data.get('username')).trim();
  const displayName = String(data.get('displayName')).trim();
  const body = { username, role: data.get('role'), password: data.get('password'), ...(displayName ? { displayName } : {}), ...communeOf(data) };
  return change(form.querySelectorAll('button'), async () => {
    await api('POST', '/api/v1/users', body);
    reloadWith('created', username);
  }, strings.usernameTaken);
});

for (const card of document.querySelectorAll('li.user')) {
  const { id, username } = card.dataset;
  const path = `/api/v1/users/${encodeURIComponent(id)}`;

  card.querySelector('.role-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    return change(card.querySelectorAll('button'), async () => {
      await api('PATCH', path, { role: data.get('role'), ...communeOf(data) });
      reloadWith('role', username);
    });
  });

  const toggle = card.querySelector('.state-toggle');
  toggle.addEventListener('click', () => {
    const disable = toggle.dataset.disabled !== 'true';
    return change(card.querySelectorAll('button'), async () => {
      await api('PATCH', path, { disabled: disable });
      reloadWith(disable ? 'disabled' : 'enabled', username);
    });
  });

  card.querySelector('.password-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const password = new FormData(event.currentTarget).get('password');
    return change(card.querySelectorAll('button'), async () => {
      await api('PATCH', path, { password });
      reloadWith('password', username);
    });
  });
}
