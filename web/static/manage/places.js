// Place links on /manage (#19): pairs of the organisation's sites and other providers'
// records that the matcher linked as one place or flagged for review, from
// GET /api/v1/orgs/{org}/places/review; Confirm, Split and Withdraw post to …/places/links. Texts are
// set with textContent only.

const $ = (id) => document.getElementById(id);

function session() {
  return { org: sessionStorage.getItem('aidmap.org'), token: sessionStorage.getItem('aidmap.token') };
}

function api(path, opts = {}) {
  const { org, token } = session();
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + token };
  if (opts.body) headers['Content-Type'] = 'application/json';
  return fetch('/api/v1/orgs/' + encodeURIComponent(org) + path, { ...opts, headers });
}

function describe(side) {
  const a = side.address || {};
  const where = [a.street, a.locality].filter(Boolean).join(', ');
  return side.name + ' (' + side.organization_id + ')' + (where ? ' — ' + where : '');
}

function status(pair) {
  if (pair.decision === 'split') return 'Split by a steward: separate places';
  if (pair.decision === 'confirmed') return pair.linked ? 'Confirmed: one place' : 'Confirmed';
  return (pair.linked ? 'Linked as one place' : 'Might be the same place') + ' (score ' + pair.score.toFixed(2) + ')';
}

async function decide(pair, decision, li) {
  const out = li.querySelector('.place-result');
  out.textContent = 'Saving…';
  try {
    const resp = await api('/places/links', { method: 'POST', body: JSON.stringify({ a: pair.a.id, b: pair.b.id, decision }) });
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.detail || resp.status);
    out.textContent = { split: 'Split: kept apart from now on.', confirmed: 'Confirmed: one place.', withdrawn: 'Withdrawn: the matcher decides again.' }[decision];
    setTimeout(load, 500);
  } catch (e) {
    out.textContent = 'Could not save: ' + e.message;
  }
}

async function load() {
  const st = $('places-status');
  st.textContent = 'Loading…';
  try {
    const resp = await api('/places/review');
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.detail || resp.status);
    const items = body.pairs.map((pair) => {
      const li = document.createElement('li');
      const what = document.createElement('p');
      what.textContent = describe(pair.a) + '  ↔  ' + describe(pair.b);
      const state = document.createElement('p');
      state.className = 'help';
      state.textContent = status(pair);
      const buttons = document.createElement('p');
      for (const [decision, label] of [['confirmed', 'Confirm: same place'], ['split', 'Split: not the same place']]) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        b.disabled = pair.decision === decision;
        b.addEventListener('click', () => decide(pair, decision, li));
        buttons.append(b, ' ');
      }
      if (pair.decision) {
        // Take a confirm or a split back: the matcher alone decides again.
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'withdraw';
        b.textContent = 'Withdraw the decision';
        b.addEventListener('click', () => decide(pair, 'withdrawn', li));
        buttons.append(b, ' ');
      }
      const result = document.createElement('span');
      result.className = 'place-result';
      result.setAttribute('role', 'status');
      buttons.append(result);
      li.append(what, state, buttons);
      return li;
    });
    $('places-list').replaceChildren(...items);
    st.textContent = items.length ? items.length + ' pairs' : 'No other provider lists a place of yours.';
  } catch (e) {
    st.textContent = 'Could not load the place links: ' + e.message;
  }
}

// The sign-in lives in manage.js: load once this tab has a session, and again on demand.
let started = false;
function watch() {
  const { org, token } = session();
  const signedIn = !!(org && token);
  $('places').hidden = !signedIn;
  if (signedIn && !started) {
    started = true;
    load();
  } else if (!signedIn) {
    started = false;
  }
}
$('places-refresh').addEventListener('click', load);
watch();
setInterval(watch, 1000);
