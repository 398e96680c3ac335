// The landing page: a room code takes a viewer to /r/CODE.

import { loadLanguage } from './i18n.js';

loadLanguage();
document.getElementById('join').addEventListener('submit', (e) => {
  e.preventDefault();
  const code = document.getElementById('room').value.trim().toLowerCase();
  if (/^[a-z0-9][a-z0-9-]{0,63}$/.test(code)) location.href = `/r/${code}`;
});
