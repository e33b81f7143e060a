/* global maplibregl */
// The /manage page: a data steward signs in with an API token, uploads a file, reads the report,
// rolls back an upload, retries or dismisses one its server abandoned, and sees the organisation's sites on a small map where approximate pins
// are marked, to correct one site's pin or details and publish the fix. Every text from the server is set with textContent, never as HTML,
// so a site name or a reason cannot inject markup. The token stays in sessionStorage: this tab
// only, gone when it closes.

const $ = (id) => document.getElementById(id);
const store = window.sessionStorage;

function session() {
  const org = store.getItem('aidmap.org');
  const token = store.getItem('aidmap.token');
  return org && token ? { org, token } : null;
}

async function api(path, options = {}) {
  const s = session();
  const headers = Object.assign({}, options.headers, { Authorization: 'Bearer ' + s.token });
  const resp = await fetch('/api/v1/orgs/' + encodeURIComponent(s.org) + path, Object.assign({}, options, { headers }));
  let body = null;
  try { body = await resp.json(); } catch (e) { body = null; }
  if (!resp.ok) {
    const err = new Error((body && body.detail) || resp.status + ' ' + resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return body;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  row.appendChild(td);
  return td;
}

function show(signedIn) {
  $('signin').hidden = signedIn;
  $('upload').hidden = !signedIn;
  $('past').hidden = !signedIn;
  $('who').hidden = !signedIn;
  $('sites').hidden = !signedIn;
  $('inbox').hidden = !signedIn;
  if (signedIn) {
    loadInbox();
    $('who-text').textContent = 'Signed in for ' + session().org;
    loadUploads();
    loadSites();
  } else {
    $('report').hidden = true;
    closeSite();
  }
}

async function signIn(ev) {
  ev.preventDefault();
  const org = $('org').value.trim();
  const token = $('token').value.trim();
  store.setItem('aidmap.org', org);
  store.setItem('aidmap.token', token);
  $('token').value = '';
  try {
    await api('/uploads?limit=1');
    $('signin-error').hidden = true;
    show(true);
  } catch (e) {
    store.removeItem('aidmap.token');
    $('signin-error').textContent = e.status === 403 ? 'This token is not for ' + org + '.' : 'Sign-in failed: ' + e.message;
    $('signin-error').hidden = false;
  }
}

function signOut() {
  store.removeItem('aidmap.token');
  store.removeItem('aidmap.org');
  show(false);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function upload(ev) {
  ev.preventDefault();
  const file = $('file').files[0];
  if (!file) return;
  const mode = document.querySelector('input[name=mode]:checked').value;
  const dry = $('dry-run').checked;
  const status = $('upload-status');
  status.textContent = 'Sending ' + file.name + '…';
  try {
    let q = '?mode=' + mode + '&dry_run=' + dry + '&name=' + encodeURIComponent(file.name);
    // A replace that takes more than half of the sites off the map (or all of them) is
    // refused unless it names the number, which the steward confirmed after a check.
    const confirm = $('retire-confirm');
    if (mode === 'replace' && !dry && !confirm.hidden) {
      if (!$('confirm-retire').checked) {
        // The check said how many sites this takes off the map: publish only once that is
        // confirmed (the server would refuse it anyway, with nothing changed).
        status.textContent = 'Not sent: tick the box above to confirm that ' + confirm.dataset.count +
          ' sites go off the map, or choose another file.';
        $('confirm-retire').focus();
        return;
      }
      q += '&confirm_retire=' + confirm.dataset.count;
    }
    const started = await api('/uploads' + q, { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
    const rec = await waitUpload(started, (r) => { status.textContent = 'Processing ' + file.name + ' (' + r.status + ')…'; });
    status.textContent = rec.status === 'done'
      ? (dry ? 'Checked: nothing was changed.' + retireCount(rec, mode) + ' Untick "Check only" to publish.' : 'Published.')
      : 'The upload failed: ' + (rec.error || 'unknown error') + ' Nothing was changed.';
    showReport(rec);
    askRetire(rec, mode);
    loadUploads();
    if (!dry) loadSites();
  } catch (e) {
    status.textContent = 'The upload was refused: ' + e.message;
  }
}

// waitUpload polls an upload until it has run, telling progress each time it looks, and
// returns its record with the report.
async function waitUpload(rec, progress) {
  for (let i = 0; rec.status === 'queued' || rec.status === 'running'; i++) {
    progress(rec);
    await sleep(Math.min(500 * (i + 1), 3000));
    rec = await api('/uploads/' + encodeURIComponent(rec.id));
  }
  return rec;
}

// retireCount says how many sites a checked replace would take off the map, before it is
// published.
function retireCount(rec, mode) {
  if (mode !== 'replace') return '';
  const s = (rec.report && rec.report.summary) || {};
  const n = s.retired || 0;
  if (n === 0) return ' Publishing it takes none of your sites off the map.';
  return ' Publishing it takes ' + n + (s.published ? ' of your ' + s.published : '') +
    (n === 1 ? ' site' : ' sites') + ' off the map.';
}

// askRetire shows, before the steward publishes a replace, how many sites it takes off the
// map when that needs confirming, with the box that confirms it.
function askRetire(rec, mode) {
  const s = (rec.report && rec.report.summary) || {};
  const p = $('retire-confirm');
  const n = mode === 'replace' ? s.retire_confirm || 0 : 0;
  p.hidden = n === 0;
  $('confirm-retire').checked = false;
  if (n === 0) return;
  p.dataset.count = String(n);
  $('confirm-retire-label').textContent = 'This file takes ' + n + ' of your ' + (s.published || n) +
    ' sites off the map. Tick to confirm that it is your whole list and publish anyway.';
}

function showReport(rec) {
  const rep = rec.report || { summary: {}, problems: [] };
  const s = rep.summary || {};
  const body = $('summary').tBodies[0];
  body.replaceChildren();
  const rows = [
    ['Rows read', s.rows_read], ['Sites created', s.created], ['Sites updated', s.updated],
    ['Sites unchanged', s.unchanged], ['Sites retired', s.retired], ['Rows rejected', s.rejected],
    ['Rows skipped', s.skipped], ['Warnings', s.warnings],
  ];
  for (const [p, n] of Object.entries(s.precision || {})) rows.push(['Placed at precision: ' + p.replace('_', ' '), n]);
  for (const [label, n] of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    tr.appendChild(th);
    cell(tr, n || 0);
    body.appendChild(tr);
  }
  const pb = $('problems').tBodies[0];
  pb.replaceChildren();
  for (const p of rep.problems || []) {
    const tr = document.createElement('tr');
    tr.className = p.severity;
    cell(tr, p.row);
    cell(tr, p.severity);
    cell(tr, p.column || p.field);
    cell(tr, p.value);
    cell(tr, p.reason + (p.detail ? ' (' + p.detail + ')' : ''));
    pb.appendChild(tr);
  }
  $('no-problems').hidden = (rep.problems || []).length > 0;
  $('problems').hidden = !$('no-problems').hidden;
  $('report').hidden = false;
}

async function loadUploads() {
  const tbody = $('uploads').tBodies[0];
  const headers = [...$('uploads').tHead.rows[0].cells].map((th) => (th.querySelector('.visually-hidden') ? '' : th.textContent));
  try {
    const { uploads } = await api('/uploads?limit=50');
    tbody.replaceChildren();
    for (const u of uploads) {
      const tr = document.createElement('tr');
      cell(tr, new Date(u.created_at).toLocaleString());
      cell(tr, u.filename || (u.rollback_of ? 'undo of ' + u.rollback_of : ''));
      cell(tr, u.mode + (u.dry_run ? ' (check only)' : ''));
      tr.dataset.upload = u.id;
      const state = cell(tr, u.status + (u.error ? ': ' + u.error : ''));
      if (u.status === 'abandoned') {
        state.className = 'abandoned';
        // Its file is kept for a while for a retry; once deleted, only a new upload helps.
        if (u.file_expired_at) {
          const note = document.createElement('span');
          note.className = 'expired';
          note.textContent = 'Its file was deleted on ' + new Date(u.file_expired_at).toLocaleDateString() +
            ', kept as long as this server keeps them: upload the file again.';
          state.append(note);
        }
      }
      cell(tr, u.created);
      cell(tr, u.updated);
      cell(tr, u.retired);
      cell(tr, u.rejected);
      const td = cell(tr, '');
      const view = document.createElement('button');
      view.type = 'button';
      view.textContent = 'Report';
      view.addEventListener('click', async () => showReport(await api('/uploads/' + encodeURIComponent(u.id))));
      td.appendChild(view);
      if (u.status === 'done' && !u.dry_run && u.mode !== 'rollback') {
        const undo = document.createElement('button');
        undo.type = 'button';
        undo.textContent = 'Roll back';
        undo.addEventListener('click', () => rollback(u));
        td.appendChild(document.createTextNode(' '));
        td.appendChild(undo);
      }
      if (u.status === 'abandoned') {
        const what = u.filename || u.id;
        const actions = u.file_expired_at ? [['dismiss', 'Dismiss']] : [['retry', 'Retry'], ['dismiss', 'Dismiss']];
        for (const [action, label] of actions) {
          const b = document.createElement('button');
          b.type = 'button';
          b.dataset.action = action;
          b.textContent = label;
          b.setAttribute('aria-label', label + ' ' + what);
          b.addEventListener('click', () => (action === 'retry' ? retryUpload(u) : dismissUpload(u)));
          td.append(' ', b);
        }
      }
      // On a phone the table is shown as one card per upload (manage.css): each cell carries
      // its column's name, since the header row is then out of sight.
      [...tr.cells].forEach((c, i) => { c.dataset.label = headers[i] || ''; });
      tbody.appendChild(tr);
    }
  } catch (e) {
    $('past-status').textContent = 'Could not list uploads: ' + e.message;
    if (e.status === 401) signOut();
  }
}

async function rollback(u) {
  if (!window.confirm('Restore every site this upload changed to how it was before?')) return;
  try {
    await api('/uploads/' + encodeURIComponent(u.id) + '/rollback', { method: 'POST' });
    $('past-status').textContent = 'Rolled back.';
    loadSites();
  } catch (e) {
    $('past-status').textContent = 'Not rolled back: ' + e.message;
  }
  loadUploads();
}

// retryUpload queues an abandoned upload again with the file it was sent with, and follows it
// to the end like a new upload.
async function retryUpload(u) {
  const status = $('past-status');
  const what = u.filename || u.id;
  status.textContent = 'Retrying ' + what + '…';
  try {
    const queued = await api('/uploads/' + encodeURIComponent(u.id) + '/retry', { method: 'POST' });
    loadUploads();
    let last = queued.status;
    const rec = await waitUpload(queued, (r) => {
      status.textContent = 'Retrying ' + what + ' (' + r.status + ')…';
      if (r.status !== last) { last = r.status; loadUploads(); }
    });
    status.textContent = rec.status === 'done'
      ? (rec.dry_run ? 'Retried ' + what + ': checked, nothing was changed.' : 'Retried ' + what + ': published.')
      : 'The retried upload failed: ' + (rec.error || 'unknown error') + ' Nothing was changed.';
    showReport(rec);
    if (rec.status === 'done' && !rec.dry_run) loadSites();
  } catch (e) {
    status.textContent = 'Not retried: ' + e.message;
  }
  loadUploads();
}

// dismissUpload says an abandoned upload will not be retried: its file is deleted.
async function dismissUpload(u) {
  const status = $('past-status');
  try {
    await api('/uploads/' + encodeURIComponent(u.id) + '/dismiss', { method: 'POST' });
    status.textContent = 'Dismissed ' + (u.filename || u.id) + ': its file was deleted. Nothing of it was written.';
  } catch (e) {
    status.textContent = 'Not dismissed: ' + e.message;
  }
  loadUploads();
}

// ---- The organisation's sites: a small map, a list, and a form to correct one site. ----

// An approximate pin is one not placed at the site's own point (precision exact) or its
// address: a street, postal code or town centre the geocoder fell back to.
const approximate = (site) => site.precision !== 'exact' && site.precision !== 'address';

const sites = { list: [], byID: new Map(), selected: null, pin: null, moved: false };
let map = null;
let mapStarting = null;
let marker = null;

// loadSites fetches every page of the organisation's own sites and redraws the list and map.
async function loadSites() {
  const status = $('sites-status');
  status.textContent = 'Loading your sites…';
  try {
    const all = [];
    let after = '';
    for (let i = 0; i < 50; i++) {
      const page = await api('/sites?limit=1000' + (after ? '&after=' + encodeURIComponent(after) : ''));
      all.push(...page.sites);
      if (!page.next) break;
      after = page.next;
    }
    sites.list = all;
    sites.byID = new Map(all.map((s) => [s.id, s]));
    renderSiteList();
    await ensureMap();
    drawSites(true);
    if (sites.selected && sites.byID.has(sites.selected.id) && !sites.moved) openSite(sites.selected.id);
  } catch (e) {
    status.textContent = 'Could not list your sites: ' + e.message;
    if (e.status === 401) signOut();
  }
}

function renderSiteList() {
  const all = sites.list;
  const approx = all.filter(approximate).length;
  $('sites-status').textContent = all.length + (all.length === 1 ? ' site' : ' sites') +
    (approx ? ', ' + approx + ' with an approximate pin.' : '.');
  const ul = $('site-list');
  ul.replaceChildren();
  // Approximate pins first: they are the ones to check.
  const ordered = [...sites.list].sort((a, b) => (approximate(b) - approximate(a)) || a.name.localeCompare(b.name));
  for (const s of ordered) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.id = s.id;
    b.textContent = s.name;
    if (s.status !== 'active') b.append(' (' + s.status.replace('_', ' ') + ')');
    if (approximate(s)) {
      const tag = document.createElement('span');
      tag.className = 'approx-tag';
      tag.textContent = 'approximate';
      b.append(' ', tag);
    }
    if (sites.selected && sites.selected.id === s.id) b.setAttribute('aria-current', 'true');
    b.addEventListener('click', () => openSite(s.id, true));
    const v = document.createElement('button');
    v.type = 'button';
    v.className = 'verify';
    v.dataset.verify = s.id;
    v.textContent = 'Mark verified';
    v.title = s.verified_at ? 'Last verified ' + s.verified_at.slice(0, 10) : 'Never verified';
    v.setAttribute('aria-label', 'Mark ' + s.name + ' verified (' + v.title.toLowerCase() + ')');
    v.addEventListener('click', () => verifySites([s.id]));
    li.append(b, v);
    ul.appendChild(li);
  }
}

// verifySites records that the steward checked these sites (or all of them, ids null) and
// they are still right: the public page shows them as checked today.
async function verifySites(ids) {
  const status = $('verify-status');
  status.textContent = 'Marking verified…';
  try {
    const path = ids && ids.length === 1 ? '/sites/' + encodeURIComponent(ids[0]) + '/verify' : '/sites/verify';
    const body = ids && ids.length === 1 ? '' : JSON.stringify(ids ? { ids } : { all: true });
    const out = await api(path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    status.textContent = out.verified + (out.verified === 1 ? ' site' : ' sites') + ' marked verified today.';
    await loadSites();
    loadUploads();
  } catch (e) {
    status.textContent = 'Not marked verified: ' + e.message;
  }
}

// ---- The corrections inbox: reports from the public, by site. ----

const reportKinds = {
  closed: 'Closed', wrong_hours: 'Wrong hours', moved: 'Moved', wrong_phone: 'Wrong phone', other: 'Other',
};

async function loadInbox() {
  const status = $('inbox-status');
  try {
    const out = await api('/reports');
    const ul = $('inbox-list');
    ul.replaceChildren();
    status.textContent = out.count ? out.count + (out.count === 1 ? ' open report' : ' open reports') +
      ' about ' + out.sites.length + (out.sites.length === 1 ? ' site.' : ' sites.') : 'No open reports.';
    for (const g of out.sites) {
      const li = document.createElement('li');
      li.dataset.site = g.site_id;
      const h = document.createElement('h3');
      h.textContent = g.name || g.site_id;
      const edit = document.createElement('button');
      edit.type = 'button';
      edit.textContent = 'Correct this site';
      edit.addEventListener('click', () => { openSite(g.site_id, true); $('site-form').scrollIntoView(); });
      const verify = document.createElement('button');
      verify.type = 'button';
      verify.textContent = 'Mark verified';
      verify.addEventListener('click', () => verifySites([g.site_id]));
      const tools = document.createElement('p');
      tools.append(edit, ' ', verify);
      const reports = document.createElement('ul');
      for (const r of g.reports) {
        const item = document.createElement('li');
        item.className = 'report';
        item.dataset.report = r.id;
        const what = document.createElement('strong');
        what.textContent = reportKinds[r.kind] || r.kind;
        const when = document.createElement('span');
        when.textContent = ' · ' + new Date(r.created_at).toLocaleString();
        item.append(what, when);
        if (r.note) {
          // Text only: a note is whatever a stranger typed.
          const note = document.createElement('p');
          note.className = 'note';
          note.textContent = r.note;
          item.append(note);
        }
        for (const [action, label] of [['accept', 'Accept'], ['dismiss', 'Dismiss']]) {
          const b = document.createElement('button');
          b.type = 'button';
          b.dataset.action = action;
          b.textContent = label;
          b.addEventListener('click', () => resolveReport(r, action));
          item.append(' ', b);
        }
        reports.append(item);
      }
      li.append(h, tools, reports);
      ul.append(li);
    }
  } catch (e) {
    status.textContent = e.status === 404 ? 'Reports are not enabled on this server.' : 'Could not load the inbox: ' + e.message;
  }
}

// resolveReport accepts or dismisses a report. Accepting opens the site's form with what the
// report suggests (closed: the status; hours, phone, place: that field) for the steward to
// correct and publish: the report itself never changes a site.
async function resolveReport(r, action) {
  try {
    await api('/reports/' + encodeURIComponent(r.id) + '/' + action, { method: 'POST' });
    $('inbox-status').textContent = action === 'accept'
      ? 'Report accepted. Correct the site below and publish.' : 'Report dismissed.';
  } catch (e) {
    $('inbox-status').textContent = 'Not changed: ' + e.message;
    loadInbox();
    return;
  }
  loadInbox();
  if (action !== 'accept' || !sites.byID.has(r.site_id)) return;
  openSite(r.site_id);
  const field = { closed: 'f-status', wrong_hours: 'f-hours', wrong_phone: 'f-phone', moved: 'move-pin' }[r.kind] || 'f-name';
  if (r.kind === 'closed') $('f-status').value = 'closed';
  if (r.kind === 'moved') setMoving(true);
  $('site-form').scrollIntoView();
  $(field).focus();
}

// openSite fills the form with one site as stored.
function openSite(id, focus = false) {
  const s = sites.byID.get(id);
  if (!s) return;
  sites.selected = s;
  sites.moved = false;
  const a = s.address || {};
  $('site-form-name').textContent = s.name;
  $('f-name').value = s.name || '';
  $('f-street').value = a.street || '';
  $('f-locality').value = a.locality || '';
  $('f-postal').value = a.postal_code || '';
  $('f-phone').value = s.phone || '';
  $('f-hours').value = (s.hours && s.hours.notes) || '';
  $('f-status').value = s.status === 'retired' ? 'active' : s.status;
  $('f-lat').value = Number.isFinite(s.lat) ? String(s.lat) : '';
  $('f-lon').value = Number.isFinite(s.lon) ? String(s.lon) : '';
  $('f-precision').textContent = approximate(s)
    ? 'This pin is approximate (placed at the ' + String(s.precision).replace('_', ' ') + '). Move it to where the site is.'
    : 'This pin is placed at the site' + (s.precision === 'address' ? "'s address." : "'s own point.");
  $('site-result').textContent = '';
  $('site-form').hidden = false;
  setMoving(false);
  for (const b of $('site-list').querySelectorAll('button')) {
    if (b.dataset.id === id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  placeMarker(s.lon, s.lat, true);
  drawSites(false);
  if (focus) $('f-name').focus();
}

function closeSite() {
  sites.selected = null;
  sites.moved = false;
  $('site-form').hidden = true;
  setMoving(false);
  if (marker) { marker.remove(); marker = null; }
  for (const b of $('site-list').querySelectorAll('button[aria-current]')) b.removeAttribute('aria-current');
  drawSites(false);
}

function setMoving(on) {
  $('move-pin').setAttribute('aria-pressed', on ? 'true' : 'false');
  $('map').classList.toggle('moving', on);
}

// movePin records a new point for the selected site, from the map or the form.
function movePin(lon, lat) {
  if (!sites.selected) return;
  sites.moved = true;
  $('f-lat').value = lat.toFixed(6);
  $('f-lon').value = lon.toFixed(6);
  $('f-precision').textContent = 'New pin: it will be saved as exact, since you placed it by hand.';
  placeMarker(lon, lat, false);
}

function pinFromFields() {
  const lat = Number($('f-lat').value), lon = Number($('f-lon').value);
  if ($('f-lat').value.trim() === '' || $('f-lon').value.trim() === '' || !Number.isFinite(lat) || !Number.isFinite(lon) ||
    Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    $('site-result').textContent = 'Latitude must be between -90 and 90 and longitude between -180 and 180.';
    return;
  }
  $('site-result').textContent = '';
  movePin(lon, lat);
}

// publishSite sends a JSON merge patch of the fields that changed: the edit is recorded in the
// organisation's history and can be rolled back under "Past uploads".
async function publishSite(ev) {
  ev.preventDefault();
  const s = sites.selected;
  if (!s) return;
  const patch = {};
  const text = (id) => $(id).value.trim();
  const orNull = (v) => (v === '' ? null : v);
  if (text('f-name') !== s.name) patch.name = text('f-name');
  const a = s.address || {};
  const addr = {};
  for (const [field, id] of [['street', 'f-street'], ['locality', 'f-locality'], ['postal_code', 'f-postal']]) {
    if (text(id) !== (a[field] || '')) addr[field] = orNull(text(id));
  }
  if (Object.keys(addr).length) patch.address = addr;
  if (text('f-phone') !== (s.phone || '')) patch.phone = orNull(text('f-phone'));
  if (text('f-hours') !== ((s.hours && s.hours.notes) || '')) patch.hours = { notes: orNull(text('f-hours')) };
  if ($('f-status').value !== s.status) patch.status = $('f-status').value;
  const lat = Number($('f-lat').value), lon = Number($('f-lon').value);
  if (sites.moved || lat !== s.lat || lon !== s.lon) {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      $('site-result').textContent = 'Latitude must be between -90 and 90 and longitude between -180 and 180.';
      $('f-lat').focus();
      return;
    }
    if (lat !== s.lat || lon !== s.lon) Object.assign(patch, { lat, lon, precision: 'exact' });
  }
  const result = $('site-result');
  if (!Object.keys(patch).length) {
    result.textContent = 'Nothing changed.';
    return;
  }
  result.textContent = 'Publishing…';
  try {
    const out = await api('/sites/' + encodeURIComponent(s.id), {
      method: 'PATCH', body: JSON.stringify(patch), headers: { 'Content-Type': 'application/json' },
    });
    const site = out.site;
    sites.byID.set(site.id, site);
    sites.list = sites.list.map((x) => (x.id === site.id ? site : x));
    sites.selected = site;
    sites.moved = false;
    renderSiteList();
    drawSites(false);
    openSite(site.id);
    result.textContent = 'Published ' + site.name + ' (' + Object.keys(patch).join(', ') + ' changed). ' +
      'It is in your history and can be rolled back under Past uploads.';
    loadUploads();
  } catch (e) {
    result.textContent = 'Not published: ' + e.message;
  }
}

// ensureMap loads MapLibre and starts the map once; without WebGL or the library the list and
// form still work.
function ensureMap() {
  if (!mapStarting) {
    mapStarting = (async () => {
      try {
        const [style] = await Promise.all([mapStyle(), loadScript('/static/vendor/maplibre-gl/maplibre-gl-csp.js')]);
        maplibregl.setWorkerUrl(new URL('../vendor/maplibre-gl/maplibre-gl-csp-worker.js', import.meta.url).href);
        const m = new maplibregl.Map({ container: 'map', style, center: [0, 20], zoom: 1, attributionControl: false });
        m.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
        m.addControl(new maplibregl.AttributionControl({ compact: true }), 'bottom-right');
        m.on('error', (e) => console.warn('aidmap: map:', e.error || e));
        await new Promise((resolve) => m.on('load', resolve));
        for (const layer of ['org-sites-exact', 'org-sites-approx']) {
          m.on('click', layer, (e) => {
            if ($('move-pin').getAttribute('aria-pressed') === 'true') return;
            const f = e.features && e.features[0];
            if (f) openSite(f.properties.id, true);
          });
        }
        m.on('click', (e) => {
          if ($('move-pin').getAttribute('aria-pressed') !== 'true') return;
          movePin(e.lngLat.lng, e.lngLat.lat);
          setMoving(false);
        });
        map = m;
      } catch (err) {
        console.warn('aidmap: map:', err);
        $('map').classList.add('no-map');
        $('map').textContent = 'The map cannot be shown in this browser; the list and the form still work.';
      }
    })();
  }
  return mapStarting;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error('cannot load ' + src));
    document.head.append(s);
  });
}

// mapStyle is the map page's basemap style (style.json) with absolute paths (MapLibre fetches
// from a worker), without the city basemap when the server has only the world overview, and
// the organisation's sites on top: exact pins filled, approximate ones hollow.
async function mapStyle() {
  const abs = (u) => (u.startsWith('/') ? location.origin + u : u);
  const get = async (u) => { const r = await fetch(u); if (!r.ok) throw new Error(u + ': ' + r.status); return r.json(); };
  let style;
  try {
    const [base, bm] = await Promise.all([get('/static/style.json'), get('/tiles/basemap.json').catch(() => null)]);
    style = base;
    if (style.glyphs) style.glyphs = abs(style.glyphs);
    for (const src of Object.values(style.sources)) if (src.url) src.url = abs(src.url);
    if (!bm || bm.aidmap_default || !['mvt', 'pbf'].includes(bm.format)) {
      delete style.sources.basemap;
      style.layers = style.layers.filter((l) => l.source !== 'basemap');
    }
    // Labels in the page's language would need app.js's localisation: show names as stored.
    for (const l of style.layers) {
      const tf = l.layout && l.layout['text-field'];
      if (tf && JSON.stringify(tf).includes('{lang}')) l.layout['text-field'] = ['coalesce', ['get', 'name:en'], ['get', 'name']];
    }
  } catch (err) {
    console.warn('aidmap: basemap style:', err);
    style = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe8ee' } }] };
  }
  style.sources['org-sites'] = { type: 'geojson', data: sitesGeoJSON() };
  style.layers.push(
    { id: 'org-sites-exact', type: 'circle', source: 'org-sites', filter: ['!', ['get', 'approximate']],
      paint: { 'circle-radius': 7, 'circle-color': '#1f3a5f', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    { id: 'org-sites-approx', type: 'circle', source: 'org-sites', filter: ['get', 'approximate'],
      paint: { 'circle-radius': 8, 'circle-color': 'rgba(255,255,255,0.6)', 'circle-stroke-color': '#b36b00', 'circle-stroke-width': 3 } },
    { id: 'org-sites-selected', type: 'circle', source: 'org-sites', filter: ['get', 'selected'],
      paint: { 'circle-radius': 13, 'circle-opacity': 0, 'circle-stroke-color': '#f5a623', 'circle-stroke-width': 3 } },
  );
  return style;
}

function sitesGeoJSON() {
  return {
    type: 'FeatureCollection',
    features: sites.list.filter((s) => Number.isFinite(s.lat) && Number.isFinite(s.lon) && !(s.lat === 0 && s.lon === 0)).map((s) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { id: s.id, approximate: approximate(s), selected: Boolean(sites.selected && sites.selected.id === s.id) },
    })),
  };
}

// drawSites updates the map's sites, and with fit frames them all.
function drawSites(fit) {
  if (!map) return;
  const data = sitesGeoJSON();
  map.getSource('org-sites').setData(data);
  if (!fit || !data.features.length) return;
  const b = new maplibregl.LngLatBounds();
  for (const f of data.features) b.extend(f.geometry.coordinates);
  map.fitBounds(b, { padding: 40, maxZoom: 15, duration: 0 });
}

// placeMarker shows the selected site's draggable pin; dragging it moves the site.
function placeMarker(lon, lat, center) {
  if (!map || !Number.isFinite(lat) || !Number.isFinite(lon)) return;
  if (!marker) {
    marker = new maplibregl.Marker({ draggable: true, color: '#f5a623' });
    marker.on('dragend', () => { const p = marker.getLngLat(); movePin(p.lng, p.lat); });
  }
  marker.setLngLat([lon, lat]).addTo(map);
  const el = marker.getElement();
  el.setAttribute('aria-label', 'Pin of the selected site: drag it to where the site is');
  if (center) map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 14), duration: 0 });
}

// For tests and for looking around in the browser's console.
globalThis.aidmapManage = { get map() { return map; }, sites };

function dropZone() {
  const zone = $('drop');
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    if (ev.dataTransfer.files.length) $('file').files = ev.dataTransfer.files;
  });
}

$('signin-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);
$('upload-form').addEventListener('submit', upload);
// Another file needs its own check: a confirmation is for the number its check reported.
$('file').addEventListener('change', () => { $('retire-confirm').hidden = true; });
$('site-form').addEventListener('submit', publishSite);
$('site-cancel').addEventListener('click', closeSite);
$('verify-all').addEventListener('click', () => verifySites(null));
$('move-pin').addEventListener('click', () => setMoving($('move-pin').getAttribute('aria-pressed') !== 'true'));
for (const id of ['f-lat', 'f-lon']) $(id).addEventListener('change', pinFromFields);
dropZone();
const s = session();
if (s) $('org').value = s.org;
show(!!s);
