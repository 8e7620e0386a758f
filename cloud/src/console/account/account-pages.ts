import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { requestIp } from '../../audit/request-ip.js';
import type { PasswordChange, PasswordChangeResult } from '../../auth/password-change.js';
import { CSRF_FIELD, sessionCookie } from '../../auth/session-cookie.js';
import { weaknessMessages } from '../../users/password-policy.js';
import { PASSWORD_PAGE, type ConsoleEnv, type ConsoleKit, type ConsoleSection } from '../console-kit.js';
import { translator, type Translate } from '../i18n.js';
import { accountMessages } from './account-messages.js';

type T = Translate<keyof (typeof accountMessages)['vi']>;

export interface AccountPagesDeps {
  passwordChange: PasswordChange;
}

const MIN_LENGTH = 8;
const MAX_LENGTH = 200;

function passwordForm(c: Context<ConsoleEnv>, t: T, state: { error?: string; done?: boolean }) {
  const view = c.get('view');
  const required = view.user?.mustChangePassword === true;
  return html`<div class="narrow">
${state.done ? html`<p class="success" role="status" id="password-done">${t('passwordDone')} <a href="/">${t('goHome')}</a></p>` : ''}
${required ? html`<p class="notice" role="status" id="password-required">${t('passwordRequired')}</p>` : ''}
<p>${t('passwordIntro')}</p>
${state.error ? html`<p class="error" role="alert" id="password-error">${state.error}</p>` : ''}
<form method="post" action="${PASSWORD_PAGE}" class="stack" ${state.error ? html`aria-describedby="password-error"` : ''}>
  <input type="hidden" name="${CSRF_FIELD}" value="${view.csrf ?? ''}">
  <label for="current-password">${t('currentPassword')}</label>
  <input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required maxlength="${MAX_LENGTH}" autofocus>
  <label for="new-password">${t('newPassword')}</label>
  <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="${MIN_LENGTH}" maxlength="${MAX_LENGTH}" aria-describedby="new-password-hint">
  <small id="new-password-hint" class="hint">${t('newPasswordHint')}</small>
  <label for="repeat-password">${t('repeatPassword')}</label>
  <input id="repeat-password" name="repeatPassword" type="password" autocomplete="new-password" required minlength="${MIN_LENGTH}" maxlength="${MAX_LENGTH}">
  <button type="submit" class="primary">${t('submit')}</button>
</form></div>`;
}

/** A refused change in the reader's language, with its HTTP status. */
function refusal(result: Exclude<PasswordChangeResult, { ok: true }>, t: T, lang: 'vi' | 'en'): { status: number; error: string } {
  switch (result.reason) {
    case 'wrong_current':
      return { status: 403, error: t('errorWrongCurrent') };
    case 'throttled':
      return { status: 429, error: t('errorThrottled', { minutes: Math.ceil(result.retryAfterMs / 60_000) }) };
    case 'same':
      return { status: 400, error: t('errorSame') };
    case 'weak':
      return { status: 400, error: weaknessMessages[result.weakness][lang] };
  }
}

/**
 * "Đổi mật khẩu": every logged-in person changes their own password here, reached from the header;
 * a person whose password an admin set is sent here until they do (the kit redirects).
 * A plain form, so it works without scripts.
 */
export function createAccountPages({ passwordChange }: AccountPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const tOf = (c: Context<ConsoleEnv>) => translator(accountMessages, c.get('view').lang);
    const render = (c: Context<ConsoleEnv>, state: { error?: string; done?: boolean }, status = 200) =>
      kit.render(c, { title: tOf(c)('passwordTitle'), status, main: passwordForm(c, tOf(c), state) });

    app.get(PASSWORD_PAGE, kit.page('account.self'), (c) => render(c, { done: c.req.query('done') === '1' }));

    app.post(PASSWORD_PAGE, kit.page('account.self'), async (c) => {
      const t = tOf(c);
      const view = c.get('view');
      const form = await c.req.parseBody();
      const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).slice(0, MAX_LENGTH) : '');
      const [currentPassword, newPassword, repeat] = [field('currentPassword'), field('newPassword'), field('repeatPassword')];
      if (!currentPassword || !newPassword || !repeat) return render(c, { error: t('errorMissing') }, 400);
      if (newPassword.length < MIN_LENGTH) return render(c, { error: t('errorShort') }, 400);
      if (newPassword !== repeat) return render(c, { error: t('errorMismatch') }, 400);
      const result = await passwordChange({ user: view.user!, currentPassword, newPassword, ip: requestIp(c), keepToken: sessionCookie(c), via: 'console' });
      if (result.ok) return c.redirect(`${PASSWORD_PAGE}?done=1`, 303);
      const { status, error } = refusal(result, t, view.lang);
      if (result.reason === 'throttled') c.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
      return render(c, { error }, status);
    });

    return { nav: [], routes: app };
  };
}
