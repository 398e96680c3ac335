// The broadcast overlay (/o/ROOM#key=…) for OBS Studio's browser source:
// a transparent page showing the question on air as a lower third, and
// nothing else.

import { Client, roomFromPath, keyFromFragment } from './client.js';
import { loadLanguage, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

async function main() {
  await loadLanguage();
  const room = roomFromPath();
  if (!room) return;
  const client = new Client({ room, role: 'presenter', key: keyFromFragment(), partial: true });
  const render = () => {
    const f = client.list((q) => q.featured)[0];
    $('lower').hidden = !f;
    $('text').textContent = f ? f.text : '';
    $('who').textContent = f ? [f.name, t('asked_by', { n: f.votes })].filter(Boolean).join(' · ') : '';
  };
  client.addEventListener('change', render);
  client.start();
}

main();
