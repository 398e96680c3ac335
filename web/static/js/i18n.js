// Strings of the pages in Russian, Kazakh and English, one JSON file per
// language under /static/i18n/. The language comes from a saved choice,
// else from navigator.languages, else Russian.

import { LANGS, pickLanguage, prefetchLanguage } from './early.js';

export { LANGS, pickLanguage };
let dict = {};
let lang = 'ru';

export async function loadLanguage(l = pickLanguage()) {
  dict = await prefetchLanguage(l);
  lang = l;
  document.documentElement.lang = l;
  apply();
  document.dispatchEvent(new Event('surak:lang'));
  return l;
}

export function currentLanguage() {
  return lang;
}

// t('key', {n: 3}) → the string with {n} replaced.
export function t(key, vars = {}) {
  let s = dict[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

// Fills every [data-i18n] element (and data-i18n-placeholder / -title / -label).
export function apply(root = document) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const e of root.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
  for (const e of root.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
}

// Wires a <select> to switch languages; onChange re-renders the page.
export function languageSwitch(select, onChange) {
  select.value = lang;
  select.addEventListener('change', async () => {
    localStorage.setItem('surak.lang', select.value);
    await loadLanguage(select.value);
    onChange();
  });
}

// The error message a viewer should read for a contract error code.
export function errorText(err) {
  const key = `error.${err.code}`;
  const s = t(key);
  return s === key ? (err.message || err.code) : s;
}
