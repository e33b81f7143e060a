// The /manage page: a data steward signs in with an API token, uploads a file, reads the report
// and rolls back an upload. Every text from the server is set with textContent, never as HTML,
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
  if (signedIn) {
    $('who-text').textContent = 'Signed in for ' + session().org;
    loadUploads();
  } else {
    $('report').hidden = true;
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
    const q = '?mode=' + mode + '&dry_run=' + dry + '&name=' + encodeURIComponent(file.name);
    const started = await api('/uploads' + q, { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
    let rec = started;
    for (let i = 0; rec.status === 'queued' || rec.status === 'running'; i++) {
      status.textContent = 'Processing ' + file.name + ' (' + rec.status + ')…';
      await sleep(Math.min(500 * (i + 1), 3000));
      rec = await api('/uploads/' + encodeURIComponent(started.id));
    }
    status.textContent = rec.status === 'done'
      ? (dry ? 'Checked: nothing was changed. Untick "Check only" to publish.' : 'Published.')
      : 'The upload failed: ' + (rec.error || 'unknown error') + ' Nothing was changed.';
    showReport(rec);
    loadUploads();
  } catch (e) {
    status.textContent = 'The upload was refused: ' + e.message;
  }
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
  try {
    const { uploads } = await api('/uploads?limit=50');
    tbody.replaceChildren();
    for (const u of uploads) {
      const tr = document.createElement('tr');
      cell(tr, new Date(u.created_at).toLocaleString());
      cell(tr, u.filename || (u.rollback_of ? 'undo of ' + u.rollback_of : ''));
      cell(tr, u.mode + (u.dry_run ? ' (check only)' : ''));
      cell(tr, u.status + (u.error ? ': ' + u.error : ''));
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
  } catch (e) {
    $('past-status').textContent = 'Not rolled back: ' + e.message;
  }
  loadUploads();
}

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
dropZone();
const s = session();
if (s) $('org').value = s.org;
show(!!s);
