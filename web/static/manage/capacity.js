// Live availability on /manage: for each of the organisation's sites, one row per unit (beds,
// meals, appointments, places) with big − and + buttons and a number field, made for a phone
// at an intake desk. Every tap is saved at once (PUT …/sites/{id}/capacity); the public map
// shows the count with its age until the deployment's limit (ttl_seconds) passes. Texts from
// the server are set with textContent only.

const $ = (id) => document.getElementById(id);
const UNITS = ['beds', 'meals', 'appointments', 'places'];

function session() {
  const org = sessionStorage.getItem('aidmap.org');
  const token = sessionStorage.getItem('aidmap.token');
  return org && token ? { org, token } : null;
}

async function api(path, options = {}) {
  const s = session();
  const headers = Object.assign({ Accept: 'application/json' }, options.headers, { Authorization: 'Bearer ' + s.token });
  const resp = await fetch('/api/v1/orgs/' + encodeURIComponent(s.org) + path, Object.assign({}, options, { headers }));
  let body = null;
  try { body = await resp.json(); } catch { body = null; }
  if (!resp.ok) throw new Error((body && body.detail) || resp.status + ' ' + resp.statusText);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function ago(iso) {
  const min = Math.round((Date.now() - new Date(iso)) / 60000);
  if (min < 1) return 'just now';
  if (min < 60) return min + ' min ago';
  return Math.round(min / 60) + ' h ago';
}

// unitRow is one unit of one site: − [n] + and its state.
function unitRow(siteID, c, ttl) {
  const input = el('input', { type: 'number', min: '0', max: '100000', inputmode: 'numeric', class: 'cap-n',
    'aria-label': c.unit + ' available', value: String(c.available) });
  const note = el('span', { class: 'cap-note', role: 'status' });
  const setNote = (cap) => {
    const expired = ttl > 0 && (Date.now() - new Date(cap.updated)) / 1000 > ttl;
    note.textContent = (cap.maximum ? 'of ' + cap.maximum + ' · ' : '') + 'set ' + ago(cap.updated) + (expired ? ' · not shown any more: update it' : '');
  };
  let maximum = c.maximum || 0;
  const save = async (n) => {
    n = Math.max(0, Math.min(maximum || 100000, n));
    input.value = String(n);
    note.textContent = 'saving…';
    try {
      const body = { unit: c.unit, available: n };
      if (maximum) body.maximum = maximum;
      const res = await api('/sites/' + encodeURIComponent(siteID) + '/capacity', {
        method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const cap = res.capacity.find((x) => x.unit === c.unit);
      if (cap) { maximum = cap.maximum || 0; setNote(cap); }
    } catch (e) {
      note.textContent = 'not saved: ' + e.message;
    }
  };
  const minus = el('button', { type: 'button', class: 'cap-btn', 'aria-label': 'one fewer ' + c.unit, text: '−' });
  const plus = el('button', { type: 'button', class: 'cap-btn', 'aria-label': 'one more ' + c.unit, text: '+' });
  minus.addEventListener('click', () => save((parseInt(input.value, 10) || 0) - 1));
  plus.addEventListener('click', () => save((parseInt(input.value, 10) || 0) + 1));
  input.addEventListener('change', () => save(parseInt(input.value, 10) || 0));
  if (c.updated) setNote(c);
  return el('div', { class: 'cap-row', 'data-unit': c.unit },
    el('span', { class: 'cap-unit', text: c.unit }), minus, input, plus, note);
}

function siteCard(site, ttl) {
  const rows = el('div', { class: 'cap-rows' });
  for (const c of site.capacity || []) rows.append(unitRow(site.id, c, ttl));
  const pick = el('select', { 'aria-label': 'unit to add for ' + site.name });
  for (const u of UNITS) pick.append(el('option', { value: u, text: u }));
  const max = el('input', { type: 'number', min: '0', max: '100000', inputmode: 'numeric', class: 'cap-max',
    placeholder: 'total (optional)', 'aria-label': 'total ' + site.name });
  const add = el('button', { type: 'button', class: 'cap-add', text: 'Add' });
  add.addEventListener('click', () => {
    if (rows.querySelector(`[data-unit="${pick.value}"]`)) return;
    const m = parseInt(max.value, 10) || 0;
    const row = unitRow(site.id, { unit: pick.value, available: 0, maximum: m }, ttl);
    rows.append(row);
    row.querySelector('.cap-n').focus();
  });
  return el('li', { class: 'cap-site', 'data-id': site.id },
    el('h3', { text: site.name, dir: 'auto' }), rows,
    el('p', { class: 'cap-new' }, pick, max, add));
}

async function load() {
  const list = $('cap-list');
  const status = $('cap-status');
  status.textContent = 'Loading…';
  try {
    const sites = [];
    let after = '';
    for (let i = 0; i < 20; i++) {
      const page = await api('/sites?limit=1000' + (after ? '&after=' + encodeURIComponent(after) : ''));
      const got = page.sites || [];
      sites.push(...got.filter((s) => s.status !== 'retired'));
      if (!page.next) break;
      after = page.next;
    }
    let ttl = 0;
    if (sites.length) {
      const c = await api('/sites/' + encodeURIComponent(sites[0].id) + '/capacity');
      ttl = c.ttl_seconds;
    }
    list.replaceChildren(...sites.slice(0, 200).map((s) => siteCard(s, ttl)));
    status.textContent = ttl > 0
      ? 'Counts show on the public map for ' + (ttl >= 3600 ? Math.round(ttl / 3600) + ' h' : Math.max(1, Math.round(ttl / 60)) + ' min') + ' after each update.'
      : 'This server does not publish counts (--capacity-ttl 0).';
  } catch (e) {
    status.textContent = 'Could not load: ' + e.message;
  }
}

// The sign-in lives in manage.js: start once this tab has a session, and again on demand.
let started = false;
function watch() {
  const signedIn = !!session();
  $('capacity').hidden = !signedIn;
  if (signedIn && !started) {
    started = true;
    load();
  } else if (!signedIn) {
    started = false;
  }
}
$('cap-refresh').addEventListener('click', load);
watch();
setInterval(watch, 1000);
