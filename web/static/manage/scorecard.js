// The feed-quality scorecard on /manage: how current and complete the organisation's listings
// are, from GET /api/v1/orgs/{org}/scorecard (public, counts only). Texts are set with
// textContent only.

const $ = (id) => document.getElementById(id);

const ROWS = [
  ['verified_90d', 'Verified in the last 90 days'],
  ['hours_known', 'Opening hours the map can read'],
  ['phone', 'With a phone number'],
  ['street_or_better', 'Placed on the street or better'],
  ['capacity_fresh', 'Live availability up to date'],
];

function pct(share) {
  return Math.floor(share * 100) + '%';
}

async function load() {
  const org = sessionStorage.getItem('aidmap.org');
  const status = $('score-status');
  const body = $('score-table').tBodies[0];
  status.textContent = 'Loading…';
  try {
    const resp = await fetch('/api/v1/orgs/' + encodeURIComponent(org) + '/scorecard', { headers: { Accept: 'application/json' } });
    const card = await resp.json();
    if (!resp.ok) throw new Error(card.detail || resp.status);
    const rows = ROWS.map(([key, label]) => {
      const tr = document.createElement('tr');
      tr.dataset.key = key;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = label;
      const share = document.createElement('td');
      share.textContent = pct(card[key].share);
      const count = document.createElement('td');
      count.textContent = card[key].count + ' of ' + card.sites;
      tr.append(th, share, count);
      return tr;
    });
    if (card.open_reports !== undefined) {
      const tr = document.createElement('tr');
      tr.dataset.key = 'open_reports';
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = 'Open reports from the public';
      const td = document.createElement('td');
      td.colSpan = 2;
      td.textContent = String(card.open_reports);
      tr.append(th, td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    status.textContent = card.sites + ' published sites; counted ' + new Date(card.computed_at).toLocaleTimeString() + ' (kept up to a minute).';
  } catch (e) {
    status.textContent = 'Could not load the scorecard: ' + e.message;
  }
}

// The sign-in lives in manage.js: load once this tab has a session, and again on demand.
let started = false;
function watch() {
  const signedIn = !!(sessionStorage.getItem('aidmap.org') && sessionStorage.getItem('aidmap.token'));
  $('scorecard').hidden = !signedIn;
  if (signedIn && !started) {
    started = true;
    load();
  } else if (!signedIn) {
    started = false;
  }
}
$('score-refresh').addEventListener('click', load);
watch();
setInterval(watch, 1000);
