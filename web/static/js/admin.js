// The console (/admin), for a signed-in admin: rooms (create, open and
// close, archive, links, QR code, new keys), staff accounts (add, disable,
// new password, roles, departments) and departments. Everything goes
// through the HTTP API (docs/PROTOCOL.md, "Staff"); the session cookie
// authenticates it.

import { el } from './client.js';
import { loadLanguage, languageSwitch, t, currentLanguage } from './i18n.js';
import { staffOrSignIn } from './staff.js';

const $ = (id) => document.getElementById(id);
const ROLES = ['admin', 'moderator', 'presenter', 'responder', 'operator'];
let rooms = [];
let staff = [];
let departments = [];

function notice(text, bad = false) {
  $('notice').textContent = text;
  $('notice').classList.toggle('bad', bad);
}

async function api(method, path, body) {
  const r = await fetch(path, {
    method, credentials: 'same-origin',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(json?.message || r.statusText), { status: r.status, body: json });
  return json;
}

// A room id from a title: Russian and Kazakh letters in Latin, the rest dashes.
const LATIN = {
  а: 'a', ә: 'a', б: 'b', в: 'v', г: 'g', ғ: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'i',
  к: 'k', қ: 'q', л: 'l', м: 'm', н: 'n', ң: 'n', о: 'o', ө: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u',
  ұ: 'u', ү: 'u', ф: 'f', х: 'h', һ: 'h', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sch', ъ: '', ы: 'y', і: 'i', ь: '',
  э: 'e', ю: 'yu', я: 'ya',
};
export function suggestId(title) {
  const s = [...title.toLowerCase()].map((c) => LATIN[c] ?? c).join('')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 64) || 'room';
}

const time = (ms) => (ms ? new Date(ms).toLocaleString(currentLanguage()) : '');

// ---- rooms ----

function showKeys(room, k) {
  const link = (label, url) => el('li', {}, el('a', { href: url, target: '_blank', rel: 'noopener', text: t(label) }),
    ' ', el('code', { text: location.origin + url }));
  $('room-keys').replaceChildren(
    el('h3', { text: t('admin.keys_once', { room }) }),
    el('ul', {}, [
      link('admin.link_viewer', `/r/${room}`),
      link('admin.link_moderator', k.moderator_url),
      link('admin.link_presenter', k.presenter_url),
      link('admin.link_overlay', k.overlay_url),
    ]));
  $('room-keys').hidden = false;
}

function roomRow(r) {
  const state = r.archived ? t('admin.archived') : r.open ? t('admin.open') : r.opens_at ?
    t('admin.opens', { time: time(r.opens_at) }) : t('admin.closed');
  const act = async (body, done) => {
    try {
      await api('POST', `/api/rooms/${r.id}`, body);
      notice(t(done, { room: r.title }));
      await loadRooms();
    } catch (e) {
      notice(e.message, true);
    }
  };
  return el('tr', { 'data-room': r.id },
    el('td', {}, el('b', { text: r.title }), el('br'), el('code', { text: r.id })),
    el('td', { text: state }),
    el('td', { text: String(r.questions) }),
    el('td', { text: String(r.viewers) }),
    el('td', { text: time(r.created) }),
    el('td', { class: 'acts' },
      el('a', { href: `/r/${r.id}`, target: '_blank', rel: 'noopener', text: t('admin.link_viewer') }),
      el('a', { href: `/m/${r.id}`, target: '_blank', rel: 'noopener', text: t('admin.link_moderator') }),
      el('a', { href: `/p/${r.id}`, target: '_blank', rel: 'noopener', text: t('admin.link_presenter') }),
      el('a', { href: `/api/rooms/${r.id}/qr.svg?download=1`, text: t('admin.qr') }),
      el('a', { href: `/a/${r.id}`, target: '_blank', rel: 'noopener', text: t('admin.answers') }),
      el('a', { href: `/report/${r.id}`, target: '_blank', rel: 'noopener', text: t('admin.report') }),
      el('button', {
        type: 'button', text: t('admin.recording'),
        onclick: () => {
          // The link, and when the recording starts (so answers link to their moment).
          const url = prompt(t('admin.recording'), r.recording?.url || '');
          if (url === null) return;
          if (!url.trim()) { act({ recording: null }, 'admin.saved'); return; }
          const was = r.recording?.at ? new Date(r.recording.at) : new Date(r.created);
          const at = prompt(t('admin.recording_at'), `${was.toLocaleDateString('sv')} ${was.toTimeString().slice(0, 5)}`);
          if (at === null) return;
          const ms = Date.parse(at.trim().replace(' ', 'T'));
          act({ recording: url.trim(), ...(Number.isFinite(ms) ? { recording_at: ms } : {}) }, 'admin.saved');
        },
      }),
      el('button', {
        type: 'button', text: t(r.open ? 'mod.close_room' : 'mod.open_room'),
        onclick: () => act({ open: !r.open }, r.open ? 'admin.closed_done' : 'admin.opened_done'),
      }),
      el('button', {
        type: 'button', text: t(r.archived ? 'admin.unarchive' : 'admin.archive'),
        onclick: () => act({ archived: !r.archived, ...(r.archived ? {} : { open: false }) }, 'admin.saved'),
      }),
      el('button', {
        type: 'button', text: t('admin.new_keys'),
        onclick: async () => {
          if (!confirm(t('admin.new_keys_confirm', { room: r.title }))) return;
          try {
            showKeys(r.id, await api('POST', `/api/rooms/${r.id}/keys`));
          } catch (e) {
            notice(e.message, true);
          }
        },
      })));
}

function renderRooms() {
  const all = $('show-archived').checked;
  $('rooms').replaceChildren(...rooms.filter((r) => all || !r.archived).map(roomRow));
}

async function loadRooms() {
  rooms = (await api('GET', '/api/rooms')).rooms;
  renderRooms();
}

async function createRoom(e) {
  e.preventDefault();
  const opens = $('room-opens').value ? new Date($('room-opens').value).getTime() : null;
  try {
    const r = await api('POST', '/api/rooms', {
      id: $('room-id').value.trim(), title: $('room-title').value.trim(),
      moderation: $('room-moderation').checked, ...(opens ? { opens_at: opens } : {}),
    });
    showKeys(r.id, r);
    notice(t('admin.created_done', { room: r.room.title }));
    $('room-form').reset();
    $('room-id').dataset.touched = '';
    await loadRooms();
  } catch (err) {
    notice(err.status === 409 ? t('admin.room_exists') : err.message, true);
  }
}

// ---- staff ----

function checkboxes(box, name, values, labelOf, checked = []) {
  box.querySelectorAll('label').forEach((l) => l.remove());
  for (const v of values) {
    const id = `${box.id}-${v}`;
    box.append(el('label', { class: 'row', for: id },
      el('input', { type: 'checkbox', id, name, value: v, checked: checked.includes(v) }), ' ', labelOf(v)));
  }
}

const checked = (box) => [...box.querySelectorAll('input:checked')].map((i) => i.value);
const deptName = (id) => {
  const d = departments.find((x) => x.id === id);
  return d ? d.name[currentLanguage()] || d.name.ru || id : id;
};

function staffRow(s) {
  const change = async (body, done) => {
    try {
      await api('POST', `/api/staff/${s.login}`, body);
      notice(t(done, { login: s.login }));
      await loadStaff();
    } catch (e) {
      notice(e.message, true);
    }
  };
  return el('tr', { 'data-login': s.login, class: s.disabled ? 'disabled' : '' },
    el('td', {}, el('code', { text: s.login })),
    el('td', { text: s.name }),
    el('td', { text: s.roles.map((r) => t(`role.${r}`)).join(', ') }),
    el('td', { text: s.departments.map(deptName).join(', ') }),
    el('td', { class: 'acts' },
      el('button', {
        type: 'button', text: t(s.disabled ? 'admin.enable' : 'admin.disable'),
        onclick: () => change({ disabled: !s.disabled }, s.disabled ? 'admin.enabled_done' : 'admin.disabled_done'),
      }),
      el('button', {
        type: 'button', text: t('admin.reset_password'),
        onclick: () => {
          const p = prompt(t('admin.new_password', { login: s.login }));
          if (p) change({ password: p }, 'admin.password_done');
        },
      }),
      el('button', {
        type: 'button', text: t('admin.edit_roles'),
        onclick: () => {
          const v = prompt(t('admin.roles_prompt', { roles: ROLES.join(', ') }), s.roles.join(', '));
          if (v !== null) change({ roles: v.split(',').map((x) => x.trim()).filter(Boolean) }, 'admin.saved');
        },
      }),
      el('button', {
        type: 'button', text: t('admin.edit_departments'),
        onclick: () => {
          const v = prompt(t('admin.departments_prompt', { ids: departments.map((d) => d.id).join(', ') }),
            s.departments.join(', '));
          if (v !== null) change({ departments: v.split(',').map((x) => x.trim()).filter(Boolean) }, 'admin.saved');
        },
      })));
}

async function loadStaff() {
  staff = (await api('GET', '/api/staff')).staff;
  $('staff-list').replaceChildren(...staff.map(staffRow));
}

async function addStaff(e) {
  e.preventDefault();
  try {
    await api('POST', '/api/staff', {
      login: $('staff-new-login').value.trim(), name: $('staff-new-name').value.trim(),
      password: $('staff-new-password').value, roles: checked($('staff-new-roles')),
      departments: checked($('staff-new-depts')),
    });
    notice(t('admin.staff_added', { login: $('staff-new-login').value.trim() }));
    $('staff-form').reset();
    await loadStaff();
  } catch (err) {
    notice(err.status === 409 ? t('admin.staff_exists') : err.message, true);
  }
}

// ---- departments ----

async function loadDepartments() {
  departments = (await api('GET', '/api/departments')).departments;
  $('depts').replaceChildren(...departments.map((d) =>
    el('li', {}, el('code', { text: d.id }), ' ', d.name.ru || '', d.name.kk ? ` / ${d.name.kk}` : '',
      d.name.en ? ` / ${d.name.en}` : '')));
  checkboxes($('staff-new-depts'), 'dept', departments.map((d) => d.id), deptName);
}

async function addDepartment(e) {
  e.preventDefault();
  const name = { ru: $('dept-ru').value.trim() };
  if ($('dept-kk').value.trim()) name.kk = $('dept-kk').value.trim();
  if ($('dept-en').value.trim()) name.en = $('dept-en').value.trim();
  try {
    await api('POST', '/api/departments', { id: $('dept-id').value.trim(), name });
    $('dept-form').reset();
    await loadDepartments();
  } catch (err) {
    notice(err.status === 409 ? t('admin.dept_exists') : err.message, true);
  }
}

async function main() {
  await loadLanguage();
  languageSwitch($('lang'), () => { renderRooms(); loadStaff().catch(() => {}); });
  const user = await staffOrSignIn($('signin-box'), $('staff'));
  if (!user) return;
  if (!user.roles.includes('admin')) {
    $('fatal').hidden = false;
    $('fatal').textContent = t('admin.admins_only');
    return;
  }
  $('app').hidden = false;
  checkboxes($('staff-new-roles'), 'role', ROLES, (r) => t(`role.${r}`));
  $('room-title').addEventListener('input', () => {
    if (!$('room-id').dataset.touched) $('room-id').value = suggestId($('room-title').value);
  });
  $('room-id').addEventListener('input', () => { $('room-id').dataset.touched = '1'; });
  $('room-form').addEventListener('submit', createRoom);
  $('staff-form').addEventListener('submit', addStaff);
  $('dept-form').addEventListener('submit', addDepartment);
  $('show-archived').addEventListener('change', renderRooms);
  try {
    await Promise.all([loadRooms(), loadDepartments()]);
    await loadStaff();
  } catch (e) {
    notice(e.message, true);
  }
}

main();
