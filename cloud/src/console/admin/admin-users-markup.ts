import { html } from 'hono/html';
import { roles, type Role } from '../../users/roles.js';
import type { User } from '../../users/user-store.js';
import type { Lang } from '../i18n.js';
import { adminStyles, localTime, type T } from './admin-audit-markup.js';

/** A commune a person may be put in: its code and name. */
export interface CommuneChoice {
  code: string;
  name: string;
}

export interface UsersPageInput {
  users: User[];
  /**
   * Where the admin may put people: the communes in service, for the province's admin (who may
   * also keep a person province-level); null for a commune's admin, whose people stay in their commune.
   */
  communes: CommuneChoice[] | null;
  /** Every commune's name by code (retired ones too), to show where each person belongs. */
  communeNames: ReadonlyMap<string, string>;
  /** The admin looking at the page. */
  me: User;
  /** A finished change to confirm (after the script reloads the page), already in words. */
  done: string | null;
  roleName(role: Role): string;
}

function roleSelect(id: string, label: string, current: Role | null, roleName: UsersPageInput['roleName']) {
  return html`<label for="${id}">${label}</label>
  <select id="${id}" name="role" required>${roles.map((r) => html`<option value="${r}"${r === current ? html` selected` : ''}>${roleName(r)}</option>`)}</select>`;
}

function communeSelect(t: T, id: string, label: string, current: string | null, communes: CommuneChoice[]) {
  const known = current === null || communes.some((c) => c.code === current);
  return html`<label for="${id}">${label}</label>
  <select id="${id}" name="communeCode">
    <option value=""${current === null ? html` selected` : ''}>${t('provinceLevel')}</option>
    ${communes.map((c) => html`<option value="${c.code}"${c.code === current ? html` selected` : ''}>${c.name}</option>`)}
    ${known ? '' : html`<option value="${current}" selected>${current}</option>`}
  </select>`;
}

const PASSWORD_RULES = html`minlength="8" maxlength="200" required autocomplete="new-password"`;

function createForm(t: T, input: UsersPageInput) {
  const roleName = input.roleName;
  return html`<section class="card" aria-labelledby="new-user-heading">
  <h2 id="new-user-heading">${t('newUser')}</h2>
  <form id="create-user" class="stack new-user">
    <label for="new-username">${t('username')}</label>
    <input id="new-username" name="username" required pattern="[a-zA-Z0-9._\\-]{3,32}" maxlength="32" autocomplete="off" autocapitalize="none" spellcheck="false" aria-describedby="new-username-hint">
    <small id="new-username-hint" class="hint">${t('usernameHint')}</small>
    <label for="new-display-name">${t('displayName')}</label>
    <input id="new-display-name" name="displayName" maxlength="100" autocomplete="off">
    ${roleSelect('new-role', t('role'), 'viewer', roleName)}
    ${input.communes ? communeSelect(t, 'new-commune', t('commune'), input.communes[0]?.code ?? null, input.communes) : ''}
    <label for="new-password">${t('initialPassword')}</label>
    <input id="new-password" name="password" type="password" ${PASSWORD_RULES} aria-describedby="new-password-hint">
    <small id="new-password-hint" class="hint">${t('passwordHint')}</small>
    <button type="submit" class="primary">${t('create')}</button>
  </form>
</section>`;
}

function userCard(t: T, lang: Lang, u: User, input: UsersPageInput) {
  const name = u.displayName;
  const self = u.id === input.me.id;
  return html`<li class="card user${u.disabled ? ' is-disabled' : ''}" data-id="${u.id}" data-username="${u.username}">
  <h3>${name}${self ? html` <span class="badge">${t('you')}</span>` : ''}</h3>
  <dl class="facts">
    <dt>${t('username')}</dt><dd><code>${u.username}</code></dd>
    <dt>${t('role')}</dt><dd>${input.roleName(u.role)}</dd>
    <dt>${t('commune')}</dt><dd>${u.communeCode === null ? t('provinceLevel') : (input.communeNames.get(u.communeCode) ?? u.communeCode)}</dd>
    <dt>${t('state')}</dt><dd><span class="badge ${u.disabled ? 'failed' : 'completed'}">${u.disabled ? t('disabled') : t('active')}</span>${
      u.mustChangePassword ? html` <span class="badge priority">${t('mustChangePassword')}</span>` : ''
    }</dd>
    <dt>${t('createdAt')}</dt><dd>${localTime(u.createdAt, lang)}</dd>
  </dl>
  <form class="stack role-form">
    ${roleSelect(`role-${u.id}`, t('roleOf', { name }), u.role, input.roleName)}
    ${input.communes ? communeSelect(t, `commune-${u.id}`, t('communeOf', { name }), u.communeCode, input.communes) : ''}
    <button type="submit">${t('saveRole')}</button>
  </form>
  <div class="actions">
    <button type="button" class="state-toggle${u.disabled ? '' : ' danger'}" data-disabled="${u.disabled ? 'true' : 'false'}">${u.disabled ? t('enable') : t('disable')}</button>
    <a class="button" href="/admin/audit?${new URLSearchParams({ actor: u.username })}">${t('historyOf', { name })}</a>
  </div>
  <details>
    <summary>${t('resetPassword')}</summary>
    <form class="stack password-form">
      <label for="password-${u.id}">${t('newPasswordOf', { name })}</label>
      <input id="password-${u.id}" name="password" type="password" ${PASSWORD_RULES}>
      <button type="submit">${t('setPassword')}</button>
    </form>
  </details>
</li>`;
}

/** The accounts with role and state, and the forms to create one, change a role, disable or enable, reset a password (the script calls the users API). */
export function usersPage(t: T, lang: Lang, input: UsersPageInput) {
  return html`${adminStyles}
${input.done ? html`<p class="success" role="status" id="users-done">${input.done}</p>` : ''}
<p id="users-status" role="alert" hidden></p>
<div class="users-layout">
  ${createForm(t, input)}
  <section aria-labelledby="people-heading">
    <h2 id="people-heading">${t('people', { count: input.users.length })}</h2>
    <ul class="users">${input.users.map((u) => userCard(t, lang, u, input))}</ul>
  </section>
</div>`;
}
