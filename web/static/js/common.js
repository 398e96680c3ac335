// Small pieces every page shares.

import { t } from './i18n.js';

// Keeps a badge showing the connection state, in the current language.
export function connectionBadge(client, badge) {
  const show = () => {
    badge.dataset.state = client.state;
    badge.textContent = t(`state.${client.state}`);
  };
  client.addEventListener('state', show);
  document.addEventListener('surak:lang', show);
  show();
  return show;
}
