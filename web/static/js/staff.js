// Staff sign-in for the console, moderator and presenter pages
// (docs/PROTOCOL.md, "Staff"): who is signed in, a sign-in form, a
// sign-out. The session lives in an HttpOnly cookie the page never sees.

import { el } from './client.js';
import { t } from './i18n.js';

// The signed-in member of staff ({login, name, roles, departments}), or null.
export async function whoAmI() {
  try {
    const r = await fetch('/api/me', { credentials: 'same-origin' });
    return r.ok ? await r.json() : null;
  } catch {
    return null;
  }
}

export async function signOut() {
  await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
}

// A sign-in form in `box`; onSignedIn(user) once the hub accepts it.
export function signInForm(box, onSignedIn) {
  const login = el('input', { id: 'staff-login', autocomplete: 'username', required: '', maxlength: '32' });
  const password = el('input', { id: 'staff-password', type: 'password', autocomplete: 'current-password', required: '' });
  const error = el('p', { class: 'notice bad', role: 'alert', hidden: '' });
  const button = el('button', { class: 'primary', type: 'submit', text: t('staff.sign_in') });
  const form = el('form', { class: 'card signin', id: 'signin' },
    el('h2', { text: t('staff.sign_in') }),
    el('label', { for: 'staff-login', text: t('staff.login') }), login,
    el('label', { for: 'staff-password', text: t('staff.password') }), password,
    error, el('div', { class: 'row' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.hidden = true;
    try {
      const r = await fetch('/api/session', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login: login.value.trim(), password: password.value }),
      });
      password.value = '';
      if (r.ok) {
        onSignedIn(await r.json());
        return;
      }
      error.textContent = t(r.status === 429 ? 'staff.throttled' : 'staff.wrong');
      error.hidden = false;
    } catch {
      error.textContent = t('error.unavailable');
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  box.replaceChildren(form);
  login.focus();
  return form;
}

// "Name · Sign out" in `box`; the page reloads once signed out.
export function staffBar(box, user) {
  box.replaceChildren(
    el('span', { class: 'who', text: t('staff.signed_in_as', { name: user.name }) }),
    el('button', {
      type: 'button', text: t('staff.sign_out'),
      onclick: async () => { await signOut(); location.reload(); },
    }));
  box.hidden = false;
}

// A staff-only page's start: the signed-in member of staff, shown in the
// bar `bar`; or null, with the sign-in form in `box` instead (the page
// reloads once signed in).
export async function staffOrSignIn(box, bar) {
  const user = await whoAmI();
  if (!user) {
    signInForm(box, () => location.reload());
    return null;
  }
  staffBar(bar, user);
  return user;
}
