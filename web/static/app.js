// aidmap map page: a MapLibre map of sites, a list of the nearest ones and a details panel.
//
// Rules this file keeps:
//   - Nothing loads from another host. The basemap style (style.json), its tiles, the label
//     fonts and the sites' vector tiles all come from this server.
//   - Text from the API (NGO uploads) goes into the page with textContent only, never innerHTML.
//   - No inline scripts, handlers or style attributes, so a CSP of script-src 'self' holds.
//   - Coordinates: the API and the URL use lat/lon; MapLibre and GeoJSON use [lon, lat].
/* global maplibregl */

const API = '/api/v1';
const LIST_LIMIT = 50;
const DEBOUNCE_MS = 250;
const WORLD = { center: [0, 20], zoom: 1 };

// One colour per category, in taxonomy order. Each has at least 3:1 contrast with the map
// background and with white (WCAG 1.4.11 for graphics), and neighbours in the taxonomy differ in hue.
const PALETTE = {
  food_bank: '#c2410c',
  free_meal: '#b91c1c',
  community_kitchen: '#78350f',
  grocery: '#4d7c0f',
  shelter: '#1d4ed8',
  drop_in: '#7e22ce',
  outreach: '#a21caf',
  hygiene: '#0f766e',
  clinic: '#15803d',
  mental_health: '#4338ca',
  legal_aid: '#334155',
  newcomer: '#0369a1',
  warming_centre: '#a16207',
  clothing: '#be185d',
  other: '#6b7280',
};
const BACKGROUND = '#f3f1ec';
const STATUS_LABEL = { temporarily_closed: 'Temporarily closed', closed: 'Closed' };

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'rel' || k === 'scope') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null && c !== false) e.append(c);
  return e;
};

const state = {
  info: null,
  labels: new Map(), // category slug -> label
  category: '',
  selectedId: null,
  selected: null, // the Site shown in the details panel
  listSites: new Map(), // id -> Site from the last list fetch
  map: null,
  mapReady: false, // the style is loaded and the sites source exists
  listCount: -1, // sites in the list; -1 before the first answer
  center: { lat: 20, lon: 0 }, // list centre when there is no map
  refreshTimer: 0,
};

// ---- fetching -------------------------------------------------------------------------------

class HTTPError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

// getJSON fetches url and decodes JSON; a non-2xx answer throws HTTPError with the problem
// detail when the server sent one.
async function getJSON(url, signal) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) {
    let detail = '';
    try {
      const p = await res.json();
      detail = p.detail || p.title || '';
    } catch { /* not JSON */ }
    throw new HTTPError(res.status, detail);
  }
  return res.json();
}

const isAbort = (err) => Boolean(err && err.name === 'AbortError');
const retryable = (err) => !isAbort(err) && (!(err instanceof HTTPError) || err.status >= 500 || err.status === 429);

// withRetry calls fn until it succeeds, showing msg and backing off (1 s doubling to 30 s)
// while it fails with a retryable error.
async function withRetry(fn, msg) {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
    try {
      const v = await fn();
      hideNotice(msg);
      return v;
    } catch (err) {
      if (isAbort(err) || !retryable(err)) throw err;
      showNotice(msg);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function showNotice(msg) {
  const n = $('notice');
  n.textContent = msg;
  n.hidden = false;
}
function hideNotice(msg) {
  const n = $('notice');
  if (!msg || n.textContent === msg) n.hidden = true;
}

// ---- formatting -----------------------------------------------------------------------------

const lang = navigator.language || 'en';
const fmtM = new Intl.NumberFormat(lang, { style: 'unit', unit: 'meter', maximumFractionDigits: 0 });
const fmtKm1 = new Intl.NumberFormat(lang, { style: 'unit', unit: 'kilometer', maximumFractionDigits: 1 });
const fmtKm0 = new Intl.NumberFormat(lang, { style: 'unit', unit: 'kilometer', maximumFractionDigits: 0 });
const fmtDate = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
const fmtDay = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' });
let langNames = null;
try { langNames = new Intl.DisplayNames([lang], { type: 'language' }); } catch { /* old browser */ }

// formatDistance: "350 m", "1.2 km", "14 km".
function formatDistance(m) {
  if (!Number.isFinite(m)) return '';
  if (m < 1000) return fmtM.format(m < 100 ? Math.round(m) : Math.round(m / 10) * 10);
  return (m < 10000 ? fmtKm1 : fmtKm0).format(m / 1000);
}

const catLabel = (slug) => state.labels.get(slug) || slug.replace(/_/g, ' ');
const catColor = (slug) => PALETTE[slug] || PALETTE.other;
const isApprox = (s) => Boolean(s.approximate || s.confidential);

function languageName(tag) {
  try { return (langNames && langNames.of(tag)) || tag; } catch { return tag; }
}

function formatDate(s) {
  const d = s ? new Date(s) : null;
  return d && !isNaN(d) ? fmtDate.format(d) : '';
}

// dayName: 0 = Sunday .. 6 = Saturday. 2024-01-07 was a Sunday.
const dayName = (d) => fmtDay.format(new Date(Date.UTC(2024, 0, 7 + d)));

// hhmm: minutes after midnight -> "09:30"; 1440 -> "24:00".
const hhmm = (min) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

// firstDayOfWeek returns 0 (Sunday) .. 6 for the reader's locale, Monday when unknown.
function firstDayOfWeek() {
  try {
    const loc = new Intl.Locale(lang);
    const info = loc.getWeekInfo ? loc.getWeekInfo() : loc.weekInfo;
    if (info && info.firstDay) return info.firstDay % 7;
  } catch { /* unsupported */ }
  return 1;
}

// todayIn returns the weekday (0 = Sunday) and the YYYY-MM-DD date now in time zone tz
// (the reader's own zone when tz is empty or unknown).
function todayIn(tz) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: tz || undefined, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  } catch {
    parts = new Intl.DateTimeFormat('en-US', { weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  }
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
  return { day, date: `${p.year}-${p.month}-${p.day}` };
}

function periodText(p) {
  const t = `${hhmm(p.open)}–${hhmm(p.close)}`;
  return p.close <= p.open ? `${t} (next day)` : t;
}

// addressLine joins an address on one line, like aidmap.Address.String.
function addressLine(a) {
  if (!a) return '';
  const street = [a.unit, a.street].filter(Boolean).join(' ');
  const region = [a.region, a.postal_code].filter(Boolean).join(' ');
  return [street, a.locality, region, a.country].filter(Boolean).join(', ');
}

// safeWebsite returns an http(s) URL for s, or '' when s is anything else (javascript:, data:...).
// A bare host such as "example.org/food" is taken as https.
function safeWebsite(s) {
  if (!s) return '';
  const raw = /^[a-z][a-z0-9+.-]*:/i.test(s) ? s : `https://${s}`;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch { return ''; }
}

const telHref = (phone) => {
  const main = phone.split(/\s*(?:ext\.?|x|#)\s*\d+\s*$/i)[0];
  const digits = main.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return digits.replace(/\D/g, '').length >= 3 ? `tel:${digits}` : '';
};

// ---- URL state ------------------------------------------------------------------------------

function readURL() {
  const q = new URLSearchParams(location.search);
  const num = (k) => (q.has(k) && q.get(k) !== '' ? Number(q.get(k)) : NaN);
  const lat = num('lat'), lon = num('lon'), z = num('z');
  const view = Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { center: [lon, lat], zoom: z >= 0 && z <= 22 ? z : 14 } : null;
  return { view, site: q.get('site') || '', category: q.get('category') || '' };
}

function writeURL() {
  const q = new URLSearchParams(location.search);
  const map = state.map;
  if (map) {
    const c = map.getCenter().wrap();
    q.set('lat', c.lat.toFixed(5));
    q.set('lon', c.lng.toFixed(5));
    q.set('z', String(Math.round(map.getZoom() * 100) / 100));
  }
  if (state.selectedId) q.set('site', state.selectedId); else q.delete('site');
  if (state.category) q.set('category', state.category); else q.delete('category');
  const qs = q.toString();
  const url = `${location.pathname}${qs ? `?${qs}` : ''}${location.hash}`;
  if (url !== location.pathname + location.search + location.hash) history.replaceState(null, '', url);
}

// ---- map ------------------------------------------------------------------------------------

// The first category of a sites-tile feature (categories is comma-separated, in taxonomy
// order), which picks its colour.
const FIRST_CAT = ['slice', ['get', 'categories'], 0, ['index-of', ',', ['concat', ['get', 'categories'], ',']]];
const IS_CLUSTER = ['has', 'point_count'];
const IS_APPROX = ['any', ['==', ['get', 'approximate'], true], ['==', ['get', 'confidential'], true]];

function colorExpr() {
  const m = ['match', FIRST_CAT];
  for (const [slug, c] of Object.entries(PALETTE)) m.push(slug, c);
  m.push(PALETTE.other);
  return m;
}

// labelLang is the language whose OSM names (name:xx) the map's labels prefer: the page's
// language without its region ("fr-CA" -> "fr"), except Chinese, which OSM tags by script.
function labelLang() {
  const tag = (navigator.language || 'en').toLowerCase();
  if (tag.startsWith('zh')) return /hant|tw|hk|mo/.test(tag) ? 'zh-Hant' : 'zh-Hans';
  return tag.split('-')[0];
}

const sitesTileJSON = () => `${location.origin}/tiles/sites.json${state.category ? `?category=${encodeURIComponent(state.category)}` : ''}`;

// siteLayers draws the sites' vector tiles: clusters with their count below zoom 14, then every
// site coloured by its first category; approximate and confidential sites as a pale disc with
// a ring, because the point stands for an area, not a door.
function siteLayers(withText) {
  const color = colorExpr();
  const layers = [
    {
      id: 'sites-clusters', type: 'circle', source: 'sites', 'source-layer': 'sites', filter: IS_CLUSTER,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['get', 'point_count'], 2, 11, 50, 16, 1000, 24],
        'circle-color': '#1f3a5f', 'circle-opacity': 0.9,
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2,
      },
    },
  ];
  if (withText) {
    layers.push({
      id: 'sites-cluster-count', type: 'symbol', source: 'sites', 'source-layer': 'sites', filter: IS_CLUSTER,
      layout: {
        'text-field': ['to-string', ['get', 'point_count']], 'text-font': ['Noto Sans Bold'], 'text-size': 12,
        'text-allow-overlap': true, 'text-ignore-placement': true,
      },
      paint: { 'text-color': '#ffffff' },
    });
  }
  layers.push(
    {
      id: 'sites-approx', type: 'circle', source: 'sites', 'source-layer': 'sites', filter: ['all', ['!', IS_CLUSTER], IS_APPROX],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 5, 10, 8, 15, 13],
        'circle-color': color, 'circle-opacity': 0.15,
        'circle-stroke-color': color, 'circle-stroke-width': 2,
      },
    },
    {
      id: 'sites', type: 'circle', source: 'sites', 'source-layer': 'sites', filter: ['all', ['!', IS_CLUSTER], ['!', IS_APPROX]],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 3, 10, 5, 15, 8], 'circle-color': color,
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'sites-selected', type: 'circle', source: 'sites', 'source-layer': 'sites', filter: ['==', ['get', 'id'], ''],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 7, 10, 9, 15, 12],
        'circle-color': color,
        'circle-opacity': ['case', IS_APPROX, 0.3, 1],
        'circle-stroke-color': '#111111', 'circle-stroke-width': 4,
      },
    },
  );
  return layers;
}

// localize rewrites the name:{lang} placeholder of the style's label expressions.
function localize(v, lang) {
  if (Array.isArray(v)) return v.map((x) => localize(x, lang));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, localize(x, lang)]));
  return v === 'name:{lang}' ? `name:${lang}` : v;
}

// mapStyle builds the map's style: the basemap style from the server (style.json) with its
// paths made absolute (MapLibre fetches from a worker, where relative URLs do not resolve),
// labels in the reader's language, the --basemap archive drawn over the world overview (or
// left out when it is the world overview, or drawn as images when it holds raster tiles), and
// the sites on top. Without style.json the map still shows the sites on a plain background.
async function mapStyle() {
  const abs = (u) => (u.startsWith('/') ? location.origin + u : u); // not new URL(): it would escape {fontstack}
  let style;
  try {
    const [base, bm] = await Promise.all([getJSON('/static/style.json'), getJSON('/tiles/basemap.json').catch(() => null)]);
    style = localize(base, labelLang());
    style.glyphs = abs(style.glyphs);
    for (const src of Object.values(style.sources)) if (src.url) src.url = abs(src.url);
    const bmLayers = (l) => l.source === 'basemap';
    if (!bm || bm.aidmap_default) {
      delete style.sources.basemap;
      style.layers = style.layers.filter((l) => !bmLayers(l));
    } else if (['mvt', 'pbf'].includes(bm.format)) {
      // Leave out the style's layers that this archive does not have (a city built without
      // house numbers), which MapLibre would otherwise warn about.
      const have = new Set((bm.vector_layers || []).map((l) => l.id));
      if (have.size) style.layers = style.layers.filter((l) => !bmLayers(l) || have.has(l['source-layer']));
      // The style's background is water and the world overview's coastline is coarse: paint
      // the archive's area as land first, so a coastal city is not drawn on sea; the archive's
      // own water (class ocean from the coastline) goes over it.
      const b = bm.bounds;
      if (Array.isArray(b) && b.length === 4 && b[2] > b[0] && b[3] > b[1]) {
        const ring = [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]];
        style.sources['basemap-area'] = { type: 'geojson', data: { type: 'Polygon', coordinates: [ring] } };
        const at = style.layers.findIndex(bmLayers);
        const land = style.layers.find((l) => l.id === 'world-land');
        style.layers.splice(at, 0, { id: 'bm-area', type: 'fill', source: 'basemap-area', minzoom: bm.minzoom || 0, paint: { 'fill-color': land ? land.paint['fill-color'] : BACKGROUND } });
      }
    } else {
      style.sources.basemap = { type: 'raster', url: abs('/tiles/basemap.json'), tileSize: 256 };
      const at = style.layers.findIndex(bmLayers);
      style.layers = style.layers.filter((l) => !bmLayers(l));
      style.layers.splice(at, 0, { id: 'bm-raster', type: 'raster', source: 'basemap' });
      // Raster tiles carry their own labels: the world overview's would double them.
      style.layers = style.layers.filter((l) => !(l.source === 'world' && l.type === 'symbol'));
    }
  } catch (err) {
    console.warn('aidmap: basemap style:', err);
    style = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }] };
  }
  style.sources.sites = { type: 'vector', url: sitesTileJSON() };
  style.layers.push(...siteLayers(Boolean(style.glyphs)));
  return style;
}

// center is the point the list is measured from: the map centre, or without a map (no WebGL)
// the view the page started with.
function center() {
  if (state.map) {
    const c = state.map.getCenter().wrap();
    return { lat: c.lat, lon: c.lng };
  }
  return state.center;
}

async function fetchList(signal) {
  const c = center();
  const q = new URLSearchParams({ lat: c.lat.toFixed(6), lon: c.lon.toFixed(6), limit: String(LIST_LIMIT) });
  if (state.category) q.set('category', state.category);
  const r = await getJSON(`${API}/sites/nearest?${q}`, signal);
  return r.sites || [];
}

const LOAD_FAILED = "Couldn't load sites. Retrying…";

// loader runs fetch for the current view and hands the result to apply. A newer run aborts an
// older one still in flight, so a stale answer never overwrites a newer one; a failed run is
// retried with backoff (1 s doubling to 30 s) until it succeeds or a newer run replaces it.
function loader(fetchFn, apply) {
  const L = { ctl: null, timer: 0, delay: 0, failed: false };
  L.run = async () => {
    clearTimeout(L.timer);
    if (L.ctl) L.ctl.abort();
    const ctl = new AbortController();
    L.ctl = ctl;
    try {
      const v = await fetchFn(ctl.signal);
      if (ctl.signal.aborted) return;
      L.delay = 0;
      L.failed = false;
      if (!loaders.some((x) => x.failed)) hideNotice(LOAD_FAILED);
      apply(v);
    } catch (err) {
      if (isAbort(err) || ctl.signal.aborted) return;
      console.warn('aidmap: load:', err);
      L.failed = true;
      if (!retryable(err)) {
        showNotice(`Couldn't load sites: ${err.message}`);
        return;
      }
      showNotice(LOAD_FAILED);
      L.delay = Math.min(Math.max(L.delay * 2, 1000), 30000);
      L.timer = setTimeout(L.run, L.delay);
    }
  };
  return L;
}

const listLoader = loader(fetchList, renderList);
const loaders = [listLoader];

function scheduleRefresh(delay = DEBOUNCE_MS) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, delay);
}

// refresh reloads the list for the current view and filter, and points the map's sites
// source at the filter's tiles (MapLibre then reloads the tiles it shows).
function refresh() {
  writeURL();
  listLoader.run();
  syncSitesSource();
}

function syncSitesSource() {
  const src = state.mapReady && state.map.getSource('sites');
  if (src && src.url !== sitesTileJSON()) src.setUrl(sitesTileJSON());
}

function setMapSelection() {
  const map = state.map;
  if (map && map.getLayer('sites-selected')) map.setFilter('sites-selected', ['==', ['get', 'id'], state.selectedId || '']);
}

// ---- list -----------------------------------------------------------------------------------

function renderList(sites) {
  const list = $('list');
  const focusedId = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  state.listSites = new Map(sites.map((s) => [s.id, s]));
  const items = sites.map((s) => {
    const meta = [];
    if (s.distance_m != null) meta.push(el('span', { class: 'dist', text: formatDistance(s.distance_m) }));
    if (s.status && s.status !== 'active') meta.push(el('span', { class: 'warn', text: STATUS_LABEL[s.status] || s.status }));
    if (s.confidential) meta.push(el('span', { text: 'Confidential location' }));
    else if (s.approximate) meta.push(el('span', { text: 'approximate location' }));
    const cats = s.categories || [];
    const sw = el('span', { class: `swatch${isApprox(s) ? ' hollow' : ''}`, 'aria-hidden': 'true' });
    sw.style.setProperty('--c', catColor(cats[0] || 'other'));
    const btn = el('button', {
      type: 'button', class: 'item', 'data-id': s.id,
      'data-distance': String(s.distance_m ?? ''), 'data-categories': cats.join(' '),
    },
    sw,
    el('span', { class: 'name', text: s.name }),
    el('span', { class: 'cats', text: cats.map(catLabel).join(' · ') }),
    el('span', { class: 'meta' }, ...meta));
    if (s.id === state.selectedId) btn.setAttribute('aria-current', 'true');
    return el('li', {}, btn);
  });
  list.replaceChildren(...items);
  if (focusedId) {
    const b = list.querySelector(`button[data-id="${CSS.escape(focusedId)}"]`);
    if (b) b.focus({ preventScroll: true });
  }
  state.listCount = sites.length;
  renderStatus();
}

function renderStatus() {
  const n = state.listCount;
  if (n < 0) return;
  let text;
  if (n === 0) {
    text = state.info && state.info.sites === 0
      ? 'No sites yet. When organisations upload their services, they will appear here.'
      : 'No sites of this kind found. Try “All kinds of help”.';
  } else {
    text = `${n} ${n === 1 ? 'site' : 'sites'} ${state.map ? 'near the map centre' : 'nearby'}`;
  }
  const status = $('list-status');
  if (status.textContent !== text) status.textContent = text;
}

function markListSelection() {
  for (const b of $('list').querySelectorAll('button[data-id]')) {
    if (b.dataset.id === state.selectedId) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

// ---- details --------------------------------------------------------------------------------

let detailsCtl = null;

// openSite shows site id in the details panel. fly moves the map to it.
async function openSite(id, { fly = true, focus = true } = {}) {
  if (detailsCtl) detailsCtl.abort();
  const ctl = new AbortController();
  detailsCtl = ctl;
  state.selectedId = id;
  setMapSelection();
  markListSelection();
  writeURL();
  const cached = state.listSites.get(id);
  if (cached) renderDetails(cached, { focus, fly });
  try {
    const site = await withRetry(() => getJSON(`${API}/sites/${encodeURIComponent(id)}`, ctl.signal), "Couldn't load this site. Retrying…");
    if (ctl.signal.aborted || state.selectedId !== id) return;
    renderDetails(site, { focus: focus && !cached, fly: fly && !cached });
  } catch (err) {
    if (isAbort(err) || state.selectedId !== id) {
      hideNotice("Couldn't load this site. Retrying…");
      return;
    }
    closeDetails();
    showNotice(err.status === 404 ? 'That site is no longer listed.' : `Couldn't load this site: ${err.message}`);
    setTimeout(() => hideNotice(), 6000);
  }
}

function closeDetails() {
  if (detailsCtl) detailsCtl.abort();
  const id = state.selectedId;
  state.selectedId = null;
  state.selected = null;
  $('details').hidden = true;
  $('list-view').hidden = false;
  document.body.classList.remove('has-details');
  setMapSelection();
  markListSelection();
  writeURL();
  const b = id && $('list').querySelector(`button[data-id="${CSS.escape(id)}"]`);
  (b || $('list-heading')).focus();
}

function fact(dl, term, ...values) {
  const vs = values.filter((v) => v != null && v !== '');
  if (!vs.length) return;
  dl.append(el('dt', { text: term }), el('dd', {}, ...vs));
}

function hoursTable(hours) {
  const weekly = hours.weekly || [];
  const today = todayIn(hours.timezone);
  const first = firstDayOfWeek();
  const tbody = el('tbody');
  for (let i = 0; i < 7; i++) {
    const d = (first + i) % 7;
    const ps = weekly.filter((p) => p.day === d).sort((a, b) => a.open - b.open);
    const th = el('th', { scope: 'row', text: dayName(d) });
    const td = el('td', { text: ps.length ? ps.map(periodText).join(', ') : 'Closed' });
    const tr = el('tr', {}, th, td);
    if (d === today.day) {
      tr.className = 'today';
      th.append(el('span', { class: 'tag', text: ' (today)' }));
    }
    tbody.append(tr);
  }
  const tz = hours.timezone ? `Times are local (${hours.timezone}).` : 'Times are local.';
  return el('table', { class: 'hours' }, el('caption', { class: 'sr-only', text: `Opening hours. ${tz}` }), tbody);
}

function exceptionsList(hours) {
  const today = todayIn(hours.timezone).date;
  const upcoming = (hours.exceptions || []).filter((e) => e.date >= today).sort((a, b) => (a.date < b.date ? -1 : 1)).slice(0, 5);
  if (!upcoming.length) return null;
  return el('ul', { class: 'exceptions' }, ...upcoming.map((e) => {
    const when = formatDate(`${e.date}T12:00:00`);
    const what = e.closed || !(e.periods || []).length ? 'closed' : e.periods.map(periodText).join(', ');
    return el('li', { text: `${when}: ${what}${e.note ? ` — ${e.note}` : ''}` });
  }));
}

function renderDetails(s, { focus, fly }) {
  state.selected = s;
  $('d-name').textContent = s.name;
  $('d-org').textContent = s.organization && s.organization.name ? `Run by ${s.organization.name}` : '';
  const cats = $('d-cats');
  cats.replaceChildren(...(s.categories || []).map((c) => {
    const chip = el('span', { class: 'chip', text: catLabel(c) });
    chip.style.setProperty('--c', catColor(c));
    return chip;
  }));
  const st = $('d-status');
  st.hidden = !s.status || s.status === 'active';
  st.textContent = STATUS_LABEL[s.status] || s.status || '';
  $('d-desc').textContent = s.description || '';

  const dl = $('d-facts');
  dl.replaceChildren();
  if (s.confidential) {
    const area = [s.address && s.address.locality, s.address && s.address.region].filter(Boolean).join(', ');
    fact(dl, 'Address', el('strong', { text: 'Confidential location — contact by phone' }), area ? el('br') : null, area);
  } else {
    const line = addressLine(s.address);
    fact(dl, 'Address', line, s.approximate ? el('span', { class: 'note', text: `${line ? ' ' : ''}(approximate location)` }) : null);
  }
  if (s.phone) {
    const href = telHref(s.phone);
    fact(dl, 'Phone', href ? el('a', { href, text: s.phone }) : s.phone);
  }
  const web = safeWebsite(s.website);
  if (web) {
    const u = new URL(web);
    const shown = (u.host + u.pathname + u.search).replace(/\/$/, '');
    fact(dl, 'Website', el('a', { href: web, rel: 'noopener noreferrer', text: shown }));
  }
  if (s.email && /^[^\s@]+@[^\s@]+$/.test(s.email)) fact(dl, 'Email', el('a', { href: `mailto:${s.email}`, text: s.email }));
  if (s.languages && s.languages.length) fact(dl, 'Languages', s.languages.map(languageName).join(', '));
  fact(dl, 'Who can come', s.eligibility);
  fact(dl, 'Cost', s.fees);
  fact(dl, 'Accessibility', s.accessibility);

  const hours = s.hours || {};
  const box = $('d-hours');
  box.replaceChildren();
  if (hours.weekly && hours.weekly.length) box.append(hoursTable(hours));
  const exc = exceptionsList(hours);
  if (exc) box.append(exc);
  if (hours.notes) box.append(el('p', { class: 'hours-notes', text: hours.notes }));
  if (!box.childElementCount) box.append(el('p', { class: 'muted', text: 'Hours unknown. Please call before you go.' }));

  const links = $('d-links');
  links.replaceChildren();
  if (!s.confidential && Number.isFinite(s.lat) && Number.isFinite(s.lon)) {
    links.append(el('a', {
      class: 'button', rel: 'noopener noreferrer', text: 'Directions',
      href: `https://www.openstreetmap.org/directions?to=${s.lat},${s.lon}`,
    }));
  }

  const dates = [];
  const up = formatDate(s.updated_at), ver = formatDate(s.verified_at);
  if (up) dates.push(`Last updated ${up}.`);
  dates.push(ver ? `Verified ${ver}.` : 'Not verified yet.');
  $('d-dates').textContent = dates.join(' ');

  $('list-view').hidden = true;
  $('details').hidden = false;
  document.body.classList.add('has-details');
  $('details').scrollTop = 0;
  if (focus) $('d-name').focus();
  if (fly && state.map && Number.isFinite(s.lat) && Number.isFinite(s.lon)) {
    state.map.flyTo({ center: [s.lon, s.lat], zoom: Math.max(state.map.getZoom(), s.confidential ? 12 : 14) });
  }
}

// ---- start ----------------------------------------------------------------------------------

function fillCategories(cats) {
  const sel = $('category');
  for (const c of cats) {
    state.labels.set(c.slug, c.label);
    sel.append(el('option', { value: c.slug, text: c.label }));
  }
  if (state.category && !state.labels.has(state.category)) state.category = '';
  sel.value = state.category;
}

async function start() {
  const url = readURL();
  state.category = url.category;
  const msg = "Couldn't reach the server. Retrying…";
  const [info, cats] = await Promise.all([
    withRetry(() => getJSON(`${API}/info`), msg),
    withRetry(() => getJSON(`${API}/categories`), msg).catch(() => ({ categories: [] })),
  ]);
  state.info = info;
  $('demo-banner').hidden = !info.demo;
  fillCategories(cats.categories || []);

  const b = info.bounds;
  const opts = { container: 'map', style: await mapStyle(), attributionControl: false, dragRotate: false, pitchWithRotate: false, touchPitch: false,
    // Chinese and Korean labels are drawn with the device's own fonts: their glyphs are not shipped.
    localIdeographFontFamily: 'sans-serif' };
  if (url.view) {
    Object.assign(opts, url.view);
  } else if (Array.isArray(b) && b.length === 4) {
    // A single site (or all sites on one point) has a zero-area box: pad it to about 1 km.
    const pad = b[2] - b[0] < 0.01 && b[3] - b[1] < 0.01 ? 0.01 : 0;
    Object.assign(opts, { bounds: [[b[0] - pad, b[1] - pad], [b[2] + pad, b[3] + pad]], fitBoundsOptions: { padding: 30, maxZoom: 15 } });
  } else {
    Object.assign(opts, WORLD);
  }
  const c = opts.bounds ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : opts.center;
  state.center = { lon: c[0], lat: c[1] };
  if (!Array.isArray(b) || info.sites === 0) {
    $('map').parentNode.append(el('p', { class: 'empty', text: 'No sites yet' }));
  }

  state.map = startMap(opts);
  if (!state.map) {
    document.body.classList.add('no-map');
    $('list-heading').textContent = 'Nearest sites';
  }
  refresh(); // the list does not wait for the map (or for WebGL at all)
  if (url.site) openSite(url.site, { fly: !url.view, focus: false });
}

// startMap creates the map, or returns null when this browser cannot draw it (no WebGL):
// the list and details still work then.
function startMap(opts) {
  if (typeof maplibregl === 'undefined') {
    showNotice("The map couldn't load. The list still works.");
    return null;
  }
  let map;
  try {
    maplibregl.setWorkerUrl(new URL('vendor/maplibre-gl/maplibre-gl-csp-worker.js', import.meta.url).href);
    // Arabic and Farsi labels need shaping and bidi; the plugin loads only when one appears.
    if (maplibregl.getRTLTextPluginStatus && maplibregl.getRTLTextPluginStatus() === 'unavailable') {
      maplibregl.setRTLTextPlugin(new URL('vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js', import.meta.url).href, true)
        .catch((err) => console.warn('aidmap: rtl text:', err));
    }
    map = new maplibregl.Map(opts);
  } catch (err) {
    console.error('aidmap: map:', err);
    showNotice("The map can't be shown on this device. The list still works.");
    return null;
  }
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  // The basemap data's licences (OpenStreetMap, Natural Earth, GeoNames) ask to be credited.
  map.addControl(new maplibregl.AttributionControl({ compact: true }), 'bottom-right');
  map.on('error', (e) => console.warn('aidmap: map:', e.error || e));
  map.on('load', () => {
    for (const layer of ['sites', 'sites-approx', 'sites-selected']) {
      map.on('click', layer, (e) => {
        const f = e.features && e.features[0];
        if (f) openSite(f.properties.id);
      });
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    // A cluster opens up: zoom in on it.
    map.on('click', 'sites-clusters', (e) => {
      const f = e.features && e.features[0];
      if (f) map.easeTo({ center: f.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 14) });
    });
    map.on('mouseenter', 'sites-clusters', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'sites-clusters', () => { map.getCanvas().style.cursor = ''; });
    state.mapReady = true;
    setMapSelection();
    syncSitesSource();
  });
  map.on('moveend', () => scheduleRefresh());
  return map;
}

$('category').addEventListener('change', (e) => {
  state.category = e.target.value;
  if (state.map) scheduleRefresh(0);
  else writeURL();
});
$('list').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-id]');
  if (b) openSite(b.dataset.id);
});
$('d-close').addEventListener('click', closeDetails);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('details').hidden) {
    e.preventDefault();
    closeDetails();
  }
});

start().catch((err) => {
  console.error('aidmap: start:', err);
  showNotice(`Something went wrong: ${err.message}`);
});
