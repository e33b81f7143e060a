// aidmap map page: a MapLibre map of sites, a list of the nearest ones and a details panel, in
// the reader's language, usable offline once loaded.
//
// Rules this file keeps:
//   - Nothing loads from another host. The basemap style (style.json), its tiles, the label
//     fonts and the sites' vector tiles all come from this server.
//   - Text from the API (NGO uploads) goes into the page with textContent only, never innerHTML.
//   - No inline scripts, handlers or style attributes, so a CSP of script-src 'self' holds.
//   - Every string a person reads comes from i18n/{lang}.json through t(); web/i18n_test.go
//     checks that each language file has every key this file and index.html use.
//   - Coordinates: the API and the URL use lat/lon; MapLibre and GeoJSON use [lon, lat].
/* global maplibregl */

const API = '/api/v1';
const LIST_LIMIT = 50;
// With "Open now" or a spoken language the list asks for this many nearest sites that pass,
// and the map draws exactly those (see refresh), so list and map agree.
const CLIENT_FILTER_LIMIT = 1000;
const DEBOUNCE_MS = 250;
const LIST_FIRST_MS = 4000;
const WORLD = { center: [0, 20], zoom: 1 };

// The interface languages, in the switcher's order. Each has i18n/{code}.json.
const LANGS = ['en', 'fr', 'es', 'ar', 'fa', 'uk', 'zh', 'pa', 'tl', 'ko'];
const RTL = new Set(['ar', 'fa']);
// The BCP 47 tag for <html lang> and Intl: Simplified Chinese, Punjabi in Gurmukhi, Filipino
// (Intl's name for Tagalog's standard form).
const HTML_LANG = { zh: 'zh-Hans', pa: 'pa-Guru', tl: 'tl' };
const INTL_LANG = { zh: 'zh-Hans', pa: 'pa-Guru', tl: 'fil' };
// Each language named in itself, for the switcher.
const NATIVE_NAMES = {
  en: 'English', fr: 'Français', es: 'Español', ar: 'العربية', fa: 'فارسی',
  uk: 'Українська', zh: '简体中文', pa: 'ਪੰਜਾਬੀ', tl: 'Tagalog', ko: '한국어',
};

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

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'rel' || k === 'scope' || k === 'download') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null && c !== false) e.append(c);
  return e;
};

const state = {
  info: null,
  lang: 'en',
  strings: {},
  categories: [], // slugs in taxonomy order
  category: '',
  openNow: false,
  spoken: '', // language tag the site must speak
  selectedId: null,
  selected: null, // the Site shown in the details panel
  listSites: new Map(), // id -> Site from the last list fetch
  shown: [], // the sites in the list, in order
  map: null,
  mapReady: false, // the style is loaded and the sites source exists
  baseStyle: null, // style.json as served, before localize
  listCount: -1, // sites in the list; -1 before the first answer
  savedAt: '', // when the list shown came from the service worker's cache: its date
  center: { lat: 20, lon: 0 }, // list centre when there is no map
  refreshTimer: 0,
};

// ---- language -------------------------------------------------------------------------------

// t returns the string for key in the page's language with {name} placeholders filled in;
// numbers are formatted for the locale.
function t(key, vars) {
  let s = state.strings[key];
  if (s == null) {
    console.warn('aidmap: missing string', key);
    s = key;
  }
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => {
      const v = vars[k];
      if (v == null) return m;
      return typeof v === 'number' ? fmt.num.format(v) : String(v);
    });
  }
  return s;
}

// pickLang chooses the interface language: the URL's lang=, then the one chosen earlier on
// this device, then the browser's preferred languages, then English.
function pickLang() {
  const want = [new URLSearchParams(location.search).get('lang')];
  try { want.push(localStorage.getItem('aidmap.lang')); } catch { /* storage disabled */ }
  want.push(...(navigator.languages || [navigator.language]));
  for (const tag of want) {
    if (!tag) continue;
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (LANGS.includes(base)) return base;
    if (base === 'fil') return 'tl';
  }
  return 'en';
}

const htmlLang = (l) => HTML_LANG[l] || l;
const intlLang = (l) => INTL_LANG[l] || l;

let fmt = {};
function makeFormatters(l) {
  const tag = intlLang(l);
  const f = {
    num: new Intl.NumberFormat(tag),
    m: new Intl.NumberFormat(tag, { style: 'unit', unit: 'meter', maximumFractionDigits: 0 }),
    km1: new Intl.NumberFormat(tag, { style: 'unit', unit: 'kilometer', maximumFractionDigits: 1 }),
    km0: new Intl.NumberFormat(tag, { style: 'unit', unit: 'kilometer', maximumFractionDigits: 0 }),
    date: new Intl.DateTimeFormat(tag, { dateStyle: 'medium' }),
    month: new Intl.DateTimeFormat(tag, { month: 'long', year: 'numeric' }),
    day: new Intl.DateTimeFormat(tag, { weekday: 'long', timeZone: 'UTC' }),
    time: new Intl.DateTimeFormat(tag, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }),
    langNames: null,
    rel: null,
  };
  try { f.rel = new Intl.RelativeTimeFormat(tag, { numeric: 'auto', style: 'short' }); } catch { /* old browser */ }
  try { f.langNames = new Intl.DisplayNames([tag], { type: 'language' }); } catch { /* old browser */ }
  return f;
}

async function setLang(l, { save = false } = {}) {
  const strings = await getJSON(`/static/i18n/${l}.json`);
  state.lang = l;
  state.strings = strings;
  fmt = makeFormatters(l);
  if (save) {
    try { localStorage.setItem('aidmap.lang', l); } catch { /* storage disabled */ }
  }
  const root = document.documentElement;
  root.lang = htmlLang(l);
  root.dir = RTL.has(l) ? 'rtl' : 'ltr';
  document.title = t('app.title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-aria]')) e.setAttribute('aria-label', t(e.dataset.i18nAria));
  fillLangSwitcher();
  fillChips();
  fillSpoken();
  if (document.body.classList.contains('no-map')) $('list-heading').textContent = t('list.headingNoMap');
  $('print-date').textContent = t('share.printed', { date: fmt.date.format(new Date()) });
  renderList(state.shown);
  if (state.selected) renderDetails(state.selected, { focus: false, fly: false });
  relabelMap();
  renderOffline();
}

function fillLangSwitcher() {
  const sel = $('lang');
  // Each language is named in itself, so a reader finds theirs whatever the page's language.
  sel.replaceChildren(...LANGS.map((l) => el('option', { value: l, text: NATIVE_NAMES[l], lang: htmlLang(l) })));
  sel.value = state.lang;
}

// ---- fetching -------------------------------------------------------------------------------

class HTTPError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

// getJSON fetches url and decodes JSON; a non-2xx answer throws HTTPError with the problem
// detail when the server sent one. A response the service worker took from its cache because
// the network failed carries X-Aidmap-Saved (when it was saved); onSaved hears of it.
async function getJSON(url, signal, onSaved) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) {
    let detail = '';
    try {
      const p = await res.json();
      detail = p.detail || p.title || '';
    } catch { /* not JSON */ }
    throw new HTTPError(res.status, detail);
  }
  if (onSaved) onSaved(res.headers.get('X-Aidmap-Saved') || '');
  return res.json();
}

const isAbort = (err) => Boolean(err && err.name === 'AbortError');
const retryable = (err) => !isAbort(err) && (!(err instanceof HTTPError) || err.status >= 500 || err.status === 429);

// withRetry calls fn until it succeeds, showing the msg key's text and backing off (1 s
// doubling to 30 s) while it fails with a retryable error.
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

// The notice shows one message, by key, so that it can be retranslated and hidden by key.
let noticeKey = '';
function showNotice(key, text) {
  const n = $('notice');
  noticeKey = key;
  n.textContent = text || t(key);
  n.hidden = false;
}
function hideNotice(key) {
  if (!key || noticeKey === key) {
    $('notice').hidden = true;
    noticeKey = '';
  }
}

// ---- formatting -----------------------------------------------------------------------------

// formatDistance: "350 m", "1.2 km", "14 km".
function formatDistance(m) {
  if (!Number.isFinite(m)) return '';
  if (m < 1000) return fmt.m.format(m < 100 ? Math.round(m) : Math.round(m / 10) * 10);
  return (m < 10000 ? fmt.km1 : fmt.km0).format(m / 1000);
}

const catLabel = (slug) => (state.strings[`cat.${slug}`] ? t(`cat.${slug}`) : slug.replace(/_/g, ' '));
const catColor = (slug) => PALETTE[slug] || PALETTE.other;
const isApprox = (s) => Boolean(s.approximate || s.confidential);
const statusLabel = (s) => (state.strings[`status.${s}`] ? t(`status.${s}`) : s);

function languageName(tag) {
  try { return (fmt.langNames && fmt.langNames.of(tag)) || tag; } catch { return tag; }
}

// ---- "Report a problem": a short form on the details, no account. The answer is only
// "received": the note is kept as typed and shown to the organisation as text. ----

// A report carries a proof of work (web/pow.go, pow.js): the page asks for a challenge when
// the form opens and solves it while the person chooses and types, so sending rarely waits.
// One challenge serves one report. Without JavaScript there is no form at all.
let powJob = null;
function startPoW() {
  if (!powJob) {
    powJob = (async () => {
      const res = await fetch('/api/v1/reports/challenge', { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error('challenge ' + res.status);
      const c = await res.json();
      if (!c.bits) return {};
      const { solve } = await import('./pow.js');
      return { challenge: c.challenge, pow: await solve(c.challenge, c.bits) };
    })();
    powJob.catch(() => { powJob = null; });
  }
  return powJob;
}

function resetReport() {
  const form = $('report-form');
  form.reset();
  $('report-status').textContent = '';
  $('report-send').disabled = false;
  $('d-report').open = false;
}

async function sendReport(ev) {
  ev.preventDefault();
  const s = state.selected;
  const form = $('report-form');
  const kind = form.elements.kind.value;
  const status = $('report-status');
  if (!s || !kind) {
    form.querySelector('input[name=kind]').focus();
    return;
  }
  $('report-send').disabled = true;
  try {
    let res;
    for (let attempt = 0; attempt < 2; attempt++) {
      const proof = await startPoW();
      powJob = null; // spent: the next report gets a new one
      res = await fetch(`/api/v1/sites/${encodeURIComponent(s.id)}/reports`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ kind, note: $('report-note').value.slice(0, 500), website: $('report-website').value, ...proof }),
      });
      // A challenge that expired while the form stayed open: solve a new one, once.
      if (res.status !== 400 || !(await res.clone().text()).includes('"name":"challenge"')) break;
    }
    if (res.status === 202) {
      form.reset();
      status.textContent = t('details.reportSent');
      return;
    }
    status.textContent = t(res.status === 429 ? 'details.reportTooMany' : 'details.reportFailed');
  } catch {
    status.textContent = t('details.reportFailed');
  }
  $('report-send').disabled = false;
}

// staleText is the badge of a listing the API marks stale: "Not checked since March 2026".
function staleText(s) {
  if (!s.stale) return '';
  const d = s.checked_at ? new Date(s.checked_at) : null;
  return d && !isNaN(d) ? t('list.stale', { date: fmt.month.format(d) }) : '';
}

// liveTexts are a site's live availability lines, as the API publishes them (only counts
// younger than the deployment's limit): "Beds available: 3 of 20 · updated 20 min ago".
const LIVE_UNITS = new Set(['beds', 'meals', 'appointments', 'places']);
function liveTexts(s, now = new Date()) {
  return (s.capacity || []).map((c) => {
    const n = c.maximum ? t('live.ofMax', { n: fmt.num.format(c.available), max: fmt.num.format(c.maximum) }) : fmt.num.format(c.available);
    const what = LIVE_UNITS.has(c.unit) ? t('live.' + c.unit, { n }) : t('live.other', { unit: c.unit, n });
    return what + ' · ' + t('live.updated', { age: ageText(c.updated, now) });
  });
}

// ageText says how long ago an ISO time was, in the page's language ("20 min ago").
function ageText(iso, now = new Date()) {
  const min = Math.max(0, Math.round((now - new Date(iso)) / 60000));
  if (!fmt.rel) return fmt.time.format(new Date(iso));
  if (min < 60) return fmt.rel.format(-min, 'minute');
  const h = Math.round(min / 60);
  return h < 48 ? fmt.rel.format(-h, 'hour') : fmt.rel.format(-Math.round(h / 24), 'day');
}

function formatDate(s) {
  const d = s ? new Date(s) : null;
  return d && !isNaN(d) ? fmt.date.format(d) : '';
}

// dayName: 0 = Sunday .. 6 = Saturday. 2024-01-07 was a Sunday.
const dayName = (d) => fmt.day.format(new Date(Date.UTC(2024, 0, 7 + d)));

// timeText: minutes after midnight -> "9:30 AM", "09:30" or "٩:٣٠ ص" as the locale writes it.
const timeText = (min) => fmt.time.format(new Date(Date.UTC(2024, 0, 1, 0, min)));

// firstDayOfWeek returns 0 (Sunday) .. 6 for the reader's locale, Monday when unknown.
function firstDayOfWeek() {
  try {
    const loc = new Intl.Locale(intlLang(state.lang));
    const info = loc.getWeekInfo ? loc.getWeekInfo() : loc.weekInfo;
    if (info && info.firstDay) return info.firstDay % 7;
  } catch { /* unsupported */ }
  return 1;
}

// localNow returns the weekday (0 = Sunday), the YYYY-MM-DD date and the minutes after
// midnight now in time zone tz (the reader's own zone when tz is empty or unknown).
function localNow(tz, now = new Date()) {
  const opts = { weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', { ...opts, timeZone: tz || undefined }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat('en-US', opts).formatToParts(now);
  }
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
  return { day, date: `${p.year}-${p.month}-${p.day}`, y: +p.year, m: +p.month, d: +p.day, min: (+p.hour % 24) * 60 + +p.minute };
}

const isoDate = (y, m, d) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

// openState says whether a site with these hours is open now, in the site's time zone, and
// when that changes: { open, known, change: { day: days from today, min } | null }. It follows
// aidmap.Hours.OpenAt (hours.go): exceptions replace the weekly periods of their date, a
// period with close <= open runs into the next day, touching periods merge. It counts in local
// wall-clock minutes, so on the night clocks change "next" may be an hour off.
function openState(hours, now = new Date()) {
  if (!hours || !((hours.weekly && hours.weekly.length) || (hours.exceptions && hours.exceptions.length))) {
    return { open: false, known: false, change: null };
  }
  const L = localNow(hours.timezone, now);
  const exc = new Map((hours.exceptions || []).map((e) => [e.date, e]));
  const ivs = [];
  for (let i = -1; i <= 9; i++) {
    const date = isoDate(L.y, L.m, L.d + i);
    const weekday = (L.day + i + 7) % 7;
    let periods = (hours.weekly || []).filter((p) => p.day === weekday);
    const e = exc.get(date);
    if (e) periods = e.closed ? [] : (e.periods || []);
    for (const p of periods) {
      const start = i * 1440 + p.open;
      const end = i * 1440 + (p.close <= p.open ? 1440 : 0) + p.close;
      if (end > start) ivs.push([start, end]);
    }
  }
  ivs.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const iv of ivs) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push(iv.slice());
  }
  const at = (x) => ({ day: Math.floor(x / 1440), min: ((x % 1440) + 1440) % 1440 });
  const horizon = L.min + 8 * 1440;
  for (const [s, e] of merged) {
    if (L.min >= s && L.min < e) return { open: true, known: true, change: e > horizon ? null : at(e) };
    if (s > L.min) return { open: false, known: true, change: s > horizon ? null : at(s) };
  }
  return { open: false, known: true, change: null };
}

// openText: "Open now, closes at 5:00 PM", "Closed now, opens tomorrow at 9:00 AM", ...
function openText(site, now) {
  if (site.status && site.status !== 'active') return statusLabel(site.status);
  const o = openState(site.hours, now);
  if (!o.known) return '';
  if (o.open) return o.change ? t('open.closesAt', { time: timeText(o.change.min) }) : t('open.allDay');
  if (!o.change) return t('open.closed');
  const time = timeText(o.change.min);
  if (o.change.day === 0) return t('open.opensToday', { time });
  if (o.change.day === 1) return t('open.opensTomorrow', { time });
  const L = localNow(site.hours.timezone, now);
  return t('open.opensOn', { day: dayName((L.day + o.change.day) % 7), time });
}


function periodText(p) {
  const txt = `${timeText(p.open)}–${timeText(p.close)}`;
  return p.close <= p.open ? `${txt} (${t('details.nextDay')})` : txt;
}

// weekText sums up the weekly hours on one line: "Monday 9:30 AM–4:00 PM; Tuesday ...".
function weekText(hours) {
  const weekly = (hours && hours.weekly) || [];
  if (!weekly.length) return (hours && hours.notes) || '';
  const first = firstDayOfWeek();
  const out = [];
  for (let i = 0; i < 7; i++) {
    const d = (first + i) % 7;
    const ps = weekly.filter((p) => p.day === d).sort((a, b) => a.open - b.open);
    if (ps.length) out.push(`${dayName(d)} ${ps.map(periodText).join(', ')}`);
  }
  return out.join('; ');
}

// addressLine joins an address on one line, like aidmap.Address.String.
function addressLine(a) {
  if (!a) return '';
  const street = [a.unit, a.street].filter(Boolean).join(' ');
  const region = [a.region, a.postal_code].filter(Boolean).join(' ');
  return [street, a.locality, region, a.country].filter(Boolean).join(', ');
}

// siteAddress is what may be shown of a site's address: the area only when it is confidential.
function siteAddress(s) {
  if (!s.confidential) return addressLine(s.address);
  return [s.address && s.address.locality, s.address && s.address.region].filter(Boolean).join(', ');
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

// The URL holds everything needed to share what is on screen: the view (lat, lon, z), the
// filters (category, open, spoken), the chosen site and the language.
function readURL() {
  const q = new URLSearchParams(location.search);
  const num = (k) => (q.has(k) && q.get(k) !== '' ? Number(q.get(k)) : NaN);
  const lat = num('lat'), lon = num('lon'), z = num('z');
  const view = Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { center: [lon, lat], zoom: z >= 0 && z <= 22 ? z : 14 } : null;
  return {
    view, site: q.get('site') || '', category: q.get('category') || '',
    openNow: q.get('open') === '1', spoken: (q.get('spoken') || '').toLowerCase().slice(0, 20),
  };
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
  const set = (k, v) => (v ? q.set(k, v) : q.delete(k));
  set('site', state.selectedId);
  set('category', state.category);
  set('open', state.openNow ? '1' : '');
  set('spoken', state.spoken);
  set('lang', state.lang === 'en' && !q.has('lang') ? '' : state.lang);
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
// The two ways sites reach the map: the server's vector tiles (filtered by category there),
// and, while "Open now" or a spoken language is on, the list's own sites as GeoJSON.
const TILE_LAYERS = ['sites-clusters', 'sites-cluster-count', 'sites-approx', 'sites', 'sites-providers', 'sites-selected'];
const PICKED_LAYERS = ['picked-clusters', 'picked-cluster-count', 'picked-approx', 'picked', 'picked-selected'];

function colorExpr() {
  const m = ['match', FIRST_CAT];
  for (const [slug, c] of Object.entries(PALETTE)) m.push(slug, c);
  m.push(PALETTE.other);
  return m;
}

// labelLang is the language whose OSM names (name:xx) the map's labels prefer: the page's
// language, except Chinese, which OSM tags by script.
const labelLang = () => (state.lang === 'zh' ? 'zh-Hans' : state.lang);

const clientFiltered = () => state.openNow || Boolean(state.spoken);

const sitesTileJSON = () => `${location.origin}/tiles/sites.json${state.category ? `?category=${encodeURIComponent(state.category)}` : ''}`;

// siteLayers draws sites from a source: clusters with their count, then every site coloured
// by its first category; approximate and confidential sites as a pale disc with a ring,
// because the point stands for an area, not a door.
function siteLayers(prefix, source, withText, visible) {
  const color = colorExpr();
  const base = { source, layout: { visibility: visible ? 'visible' : 'none' } };
  if (source === 'sites') base['source-layer'] = 'sites';
  const layer = (id, rest) => ({ id, ...base, ...rest, layout: { ...base.layout, ...(rest.layout || {}) } });
  const main = prefix === 'sites' ? 'sites' : 'picked';
  const layers = [
    layer(`${prefix}-clusters`, {
      type: 'circle', filter: IS_CLUSTER,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['get', 'point_count'], 2, 11, 50, 16, 1000, 24],
        'circle-color': '#1f3a5f', 'circle-opacity': 0.9,
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2,
      },
    }),
  ];
  if (withText) {
    layers.push(layer(`${prefix}-cluster-count`, {
      type: 'symbol', filter: IS_CLUSTER,
      layout: {
        'text-field': ['to-string', ['get', 'point_count']], 'text-font': ['Noto Sans Bold'], 'text-size': 12,
        'text-allow-overlap': true, 'text-ignore-placement': true,
      },
      paint: { 'text-color': '#ffffff' },
    }));
  }
  layers.push(
    layer(`${prefix}-approx`, {
      type: 'circle', filter: ['all', ['!', IS_CLUSTER], IS_APPROX],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 5, 10, 8, 15, 13],
        'circle-color': color, 'circle-opacity': 0.15,
        'circle-stroke-color': color, 'circle-stroke-width': 2,
      },
    }),
    layer(main, {
      type: 'circle', filter: ['all', ['!', IS_CLUSTER], ['!', IS_APPROX]],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 3, 10, 5, 15, 8], 'circle-color': color,
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5,
      },
    }),
  );
  if (withText && source === 'sites') {
    // A place of several providers (#19) is one pin in the tiles; its number of providers
    // sits beside it.
    layers.push(layer(`${prefix}-providers`, {
      type: 'symbol', filter: ['all', ['!', IS_CLUSTER], ['>=', ['coalesce', ['get', 'providers'], 0], 2]],
      layout: {
        'text-field': ['to-string', ['get', 'providers']], 'text-font': ['Noto Sans Bold'], 'text-size': 11,
        'text-offset': [0.9, -0.9], 'text-allow-overlap': true, 'text-ignore-placement': true,
      },
      paint: { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
    }));
  }
  layers.push(
    layer(`${prefix}-selected`, {
      type: 'circle', filter: ['==', ['get', 'id'], ''],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 7, 10, 9, 15, 12],
        'circle-color': color,
        'circle-opacity': ['case', IS_APPROX, 0.3, 1],
        'circle-stroke-color': '#111111', 'circle-stroke-width': 4,
      },
    }),
  );
  return layers;
}

// localize rewrites the name:{lang} placeholder of the style's label expressions.
function localize(v, lang) {
  if (Array.isArray(v)) return v.map((x) => localize(x, lang));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, localize(x, lang)]));
  return v === 'name:{lang}' ? `name:${lang}` : v;
}

// relabelMap points the basemap's labels at the page's (new) language.
function relabelMap() {
  const map = state.map;
  if (!map || !state.mapReady || !state.baseStyle) return;
  for (const l of state.baseStyle.layers) {
    const tf = l.layout && l.layout['text-field'];
    if (tf && JSON.stringify(tf).includes('name:{lang}') && map.getLayer(l.id)) {
      map.setLayoutProperty(l.id, 'text-field', localize(tf, labelLang()));
    }
  }
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
    state.baseStyle = base;
    style = localize(base, labelLang());
    style.glyphs = abs(style.glyphs);
    for (const src of Object.values(style.sources)) if (src.url) src.url = abs(src.url);
    const bmLayers = (l) => l.source === 'basemap';
    state.noStreets = !bm || bm.aidmap_default; // the world overview has no streets: say so at street zoom (#18)
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
  style.sources.picked = { type: 'geojson', data: pickedGeoJSON(), cluster: true, clusterMaxZoom: 13, clusterRadius: 40 };
  const withText = Boolean(style.glyphs);
  style.layers.push(...siteLayers('sites', 'sites', withText, !clientFiltered()), ...siteLayers('picked', 'picked', withText, clientFiltered()));
  return style;
}


// pickedGeoJSON is the map's copy of the client-filtered list: every site that passed.
let picked = [];
function pickedGeoJSON() {
  return {
    type: 'FeatureCollection',
    features: picked.filter((s) => Number.isFinite(s.lat) && Number.isFinite(s.lon)).map((s) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { id: s.id, categories: (s.categories || []).join(','), approximate: Boolean(s.approximate), confidential: Boolean(s.confidential) },
    })),
  };
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

// fetchList asks the server for the nearest sites that pass the filters. With "Open now" or
// a spoken language on, it asks for the CLIENT_FILTER_LIMIT nearest (open_at and lang are
// list parameters, evaluated by the server in each site's time zone): the list shows the
// first LIST_LIMIT and the map draws them all, because the tiles filter by category only.
// open_at is this device's now, the same clock the open/closed labels are computed with.
async function fetchList(signal) {
  const c = center();
  const client = clientFiltered();
  const q = new URLSearchParams({ lat: c.lat.toFixed(6), lon: c.lon.toFixed(6), limit: String(client ? CLIENT_FILTER_LIMIT : LIST_LIMIT) });
  if (state.category) q.set('category', state.category);
  if (state.openNow) {
    q.set('open_at', new Date().toISOString());
    // A temporarily closed site is not open, whatever its usual hours say.
    q.set('status', 'active');
  }
  if (state.spoken) q.set('lang', state.spoken);
  let saved = '';
  const pq = new URLSearchParams({ lat: q.get('lat'), lon: q.get('lon'), limit: String(LIST_LIMIT) });
  // The place view (#19) says which sites are one place of several providers; without it
  // (offline, an older server) every site is its own entry.
  const [r, places] = await Promise.all([
    getJSON(`${API}/sites/nearest?${q}`, signal, (s) => { saved = s; }),
    getJSON(`${API}/places/nearest?${pq}`, signal).catch((err) => { if (isAbort(err)) throw err; return null; }),
  ]);
  return { sites: r.sites || [], list: groupByPlace(r.sites || [], places), saved };
}

// groupByPlace folds the sites of one place of several providers into one entry: the
// nearest keeps its place in the list and carries the others (in order) as s.also.
function groupByPlace(sites, places) {
  const placeOf = new Map();
  const approx = new Set(); // at a stacked point: many unrelated records at one coordinate
  for (const p of (places && places.places) || []) {
    for (const s of p.sites) if (s.approximate) approx.add(s.id);
    if (p.providers < 2) continue;
    for (const s of p.sites) placeOf.set(s.id, p.id);
  }
  for (const s of sites) if (approx.has(s.id)) s.approximate = true;
  if (!placeOf.size) return sites;
  const first = new Map();
  const out = [];
  for (const s of sites) {
    const pid = placeOf.get(s.id);
    const lead = pid && first.get(pid);
    if (lead) {
      lead.also = [...(lead.also || []), s];
      continue;
    }
    if (pid) first.set(pid, s);
    out.push(s);
  }
  return out;
}

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
      hideNotice('error.load');
      apply(v);
    } catch (err) {
      if (isAbort(err) || ctl.signal.aborted) return;
      console.warn('aidmap: load:', err);
      L.failed = true;
      if (!retryable(err)) {
        showNotice('error.loadFailed', `${t('error.loadFailed')} ${err.message}`);
        return;
      }
      showNotice('error.load');
      L.delay = Math.min(Math.max(L.delay * 2, 1000), 30000);
      L.timer = setTimeout(L.run, L.delay);
    }
  };
  return L;
}

// firstList settles when the first list has arrived: the map waits for it (see start).
let listArrived;
const firstList = new Promise((r) => { listArrived = r; });

const listLoader = loader(fetchList, ({ sites, list, saved }) => {
  listArrived();
  state.savedAt = saved;
  renderOffline();
  picked = clientFiltered() ? sites : [];
  const src = state.mapReady && state.map.getSource('picked');
  if (src) src.setData(pickedGeoJSON());
  renderList(list.slice(0, LIST_LIMIT));
});

function scheduleRefresh(delay = DEBOUNCE_MS) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, delay);
}

// refresh reloads the list for the current view and filters and makes the map show the same
// sites: the server's tiles for the category (MapLibre reloads the tiles it shows), or, while
// a filter only this page can apply is on, the very sites the list kept.
function refresh() {
  writeURL();
  listLoader.run();
  syncSitesSource();
}

function syncSitesSource() {
  const map = state.map;
  if (!state.mapReady) return;
  const src = map.getSource('sites');
  if (src && src.url !== sitesTileJSON()) src.setUrl(sitesTileJSON());
  const client = clientFiltered();
  for (const id of TILE_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', client ? 'none' : 'visible');
  for (const id of PICKED_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', client ? 'visible' : 'none');
}

function setMapSelection() {
  const map = state.map;
  if (!map) return;
  for (const id of ['sites-selected', 'picked-selected']) {
    if (map.getLayer(id)) map.setFilter(id, ['==', ['get', 'id'], state.selectedId || '']);
  }
}

function renderOffline() {
  const p = $('offline');
  p.hidden = !state.savedAt;
  if (state.savedAt) p.textContent = t('offline.saved', { date: formatDate(state.savedAt) || state.savedAt });
}

// ---- filters --------------------------------------------------------------------------------

// fillChips draws the category filter as a row of radio buttons styled as chips: one kind of
// help at a time, like the API's and the tiles' category parameter.
function fillChips() {
  const box = $('chips');
  const chip = (slug, label) => {
    const input = el('input', { type: 'radio', name: 'category', value: slug, checked: state.category === slug });
    const lab = el('label', { class: 'chip-opt' }, input, el('span', { text: label }));
    if (slug) lab.style.setProperty('--c', catColor(slug));
    return lab;
  };
  box.replaceChildren(chip('', t('filter.all')), ...state.categories.map((c) => chip(c, catLabel(c))));
}

// fillSpoken lists the interface languages and any other language the loaded sites speak,
// each named in the page's language.
const seenLanguages = new Set(LANGS);
function fillSpoken() {
  const sel = $('spoken');
  const tags = [...seenLanguages];
  if (state.spoken) tags.push(state.spoken);
  const opts = [...new Set(tags)].map((l) => ({ l, name: languageName(l) }))
    .sort((a, b) => a.name.localeCompare(b.name, intlLang(state.lang)));
  sel.replaceChildren(el('option', { value: '', text: t('filter.anyLanguage') }), ...opts.map((o) => el('option', { value: o.l, text: o.name })));
  sel.value = state.spoken;
}

// ---- list -----------------------------------------------------------------------------------

function renderList(sites) {
  const list = $('list');
  state.shown = sites;
  if (state.listCount < 0 && !sites.length && !state.info) return;
  const focusedId = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  state.listSites = new Map(sites.map((s) => [s.id, s]));
  let newLang = false;
  const now = new Date();
  const items = sites.map((s) => {
    for (const l of s.languages || []) if (!seenLanguages.has(l.toLowerCase())) { seenLanguages.add(l.toLowerCase()); newLang = true; }
    const meta = [];
    // A confidential site's distance comes as a coarse band (2, 5, 10 km...), never exact.
    if (s.distance_m != null) meta.push(el('span', { class: 'dist', text: s.distance_band ? t('list.within', { d: formatDistance(s.distance_m) }) : formatDistance(s.distance_m) }));
    const open = openText(s, now);
    if (open) meta.push(el('span', { class: s.status && s.status !== 'active' ? 'warn' : 'open', text: open }));
    if (s.confidential) meta.push(el('span', { text: t('list.confidential') }));
    else if (s.approximate) meta.push(el('span', { text: t('list.approx') }));
    const stale = staleText(s);
    if (stale) meta.push(el('span', { class: 'warn stale-badge', text: stale }));
    if (s.possibly_closed) meta.push(el('span', { class: 'warn closed-badge', text: t('live.closed') }));
    if (s.also && s.also.length) meta.push(el('span', { class: 'also', text: t('list.also', { names: s.also.map((o) => o.name).join(' · ') }) }));
    for (const l of liveTexts(s, now)) meta.push(el('span', { class: 'live-badge', text: l }));
    const cats = s.categories || [];
    const sw = el('span', { class: `swatch${isApprox(s) ? ' hollow' : ''}`, 'aria-hidden': 'true' });
    sw.style.setProperty('--c', catColor(cats[0] || 'other'));
    const btn = el('button', {
      type: 'button', class: 'item', 'data-id': s.id,
      'data-distance': String(s.distance_m ?? ''), 'data-categories': cats.join(' '),
    },
    sw,
    el('span', { class: 'name', text: s.name, dir: 'auto' }),
    el('span', { class: 'cats', text: cats.map(catLabel).join(' · ') }),
    el('span', { class: 'meta' }, ...meta));
    if (s.id === state.selectedId) btn.setAttribute('aria-current', 'true');
    if (s.distance_band) btn.dataset.band = '1';
    // What a printed list needs and the screen shows in the details panel. The address runs in
    // its own direction and the phone left to right, isolated, as in the details: in an Arabic
    // list "4729 Willingdon Avenue" must not print as "Willingdon Avenue 4729".
    const printed = el('div', { class: 'print-only' },
      el('p', {}, el('span', { text: siteAddress(s), dir: 'auto' })),
      s.phone ? el('p', {}, el('span', { text: s.phone, dir: 'ltr' })) : null,
      el('p', { text: weekText(s.hours) }));
    return el('li', {}, btn, printed);
  });
  list.replaceChildren(...items);
  if (newLang) fillSpoken();
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
  if (n === 0) text = state.info && state.info.sites === 0 ? t('list.empty') : t('list.none');
  else text = t(document.body.classList.contains('no-map') ? 'list.countNoMap' : 'list.count', { n });
  const status = $('list-status');
  if (status.textContent !== text) status.textContent = text;
}

function markListSelection() {
  for (const b of $('list').querySelectorAll('button[data-id]')) {
    if (b.dataset.id === state.selectedId) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

// ---- find -----------------------------------------------------------------------------------

// moveTo centres the map (or, without one, the list) on a point and reloads the list there.
function moveTo(lat, lon, zoom) {
  state.center = { lat, lon };
  if (state.map) state.map.jumpTo({ center: [lon, lat], zoom });
  scheduleRefresh(0);
}

function searchStatus(text) {
  $('search-status').textContent = text;
}

let searchCtl = null;
async function search(text) {
  const q = text.trim();
  const box = $('search-results');
  box.hidden = true;
  box.replaceChildren();
  if (!q) return;
  if (searchCtl) searchCtl.abort();
  searchCtl = new AbortController();
  searchStatus(t('search.searching'));
  let rs;
  try {
    const r = await getJSON(`${API}/geocode?${new URLSearchParams({ q, limit: '5' })}`, searchCtl.signal);
    rs = r.results || [];
  } catch (err) {
    if (isAbort(err)) return;
    searchStatus(t('search.failed'));
    return;
  }
  if (!rs.length) {
    searchStatus(t('search.none', { q }));
    return;
  }
  if (rs.length === 1) {
    chooseResult(rs[0]);
    return;
  }
  searchStatus(t('search.results', { n: rs.length }));
  box.replaceChildren(...rs.map((r, i) => {
    const b = el('button', { type: 'button', class: 'result', 'data-i': String(i) }, el('span', { text: r.label }));
    if (r.approximate) b.append(el('span', { class: 'tag', text: ` (${t('search.approx')})` }));
    b.addEventListener('click', () => chooseResult(r));
    return el('li', {}, b);
  }));
  box.hidden = false;
  box.querySelector('button').focus();
}

// chooseResult moves the map and the list to a geocoded place. A street address or postal code
// gets a street-level view; a town or region a wider one.
function chooseResult(r) {
  $('search-results').hidden = true;
  searchStatus(r.approximate ? `${r.label} (${t('search.approx')})` : r.label);
  const zoom = { address: 16, exact: 16, street: 15, postal_code: 14 }[r.precision] || 12;
  moveTo(r.lat, r.lon, zoom);
}

// locate asks for the device's position only when the person presses the button.
function locate() {
  if (!navigator.geolocation) {
    searchStatus(t('locate.unavailable'));
    return;
  }
  searchStatus(t('locate.finding'));
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      searchStatus('');
      moveTo(pos.coords.latitude, pos.coords.longitude, 14);
    },
    (err) => searchStatus(t(err && err.code === 1 ? 'locate.denied' : 'locate.unavailable')),
    { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
  );
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
    const site = await withRetry(() => getJSON(`${API}/sites/${encodeURIComponent(id)}`, ctl.signal), 'error.site');
    if (ctl.signal.aborted || state.selectedId !== id) return;
    renderDetails(site, { focus: focus && !cached, fly: fly && !cached });
  } catch (err) {
    if (isAbort(err) || state.selectedId !== id) {
      hideNotice('error.site');
      return;
    }
    closeDetails();
    if (err.status === 404) showNotice('error.gone');
    else showNotice('error.site', `${t('error.site')} ${err.message}`);
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
  // User text runs in its own direction: a Latin address inside an Arabic page stays in order.
  dl.append(el('dt', { text: term }), el('dd', { dir: 'auto' }, ...vs));
}

function hoursTable(hours) {
  const weekly = hours.weekly || [];
  const today = localNow(hours.timezone);
  const first = firstDayOfWeek();
  const tbody = el('tbody');
  for (let i = 0; i < 7; i++) {
    const d = (first + i) % 7;
    const ps = weekly.filter((p) => p.day === d).sort((a, b) => a.open - b.open);
    const th = el('th', { scope: 'row', text: dayName(d) });
    const td = el('td', { text: ps.length ? ps.map(periodText).join(', ') : t('details.closedDay') });
    const tr = el('tr', {}, th, td);
    if (d === today.day) {
      tr.className = 'today';
      tr.setAttribute('aria-current', 'date');
      th.append(el('span', { class: 'tag', text: ` (${t('details.today')})` }));
    }
    tbody.append(tr);
  }
  const caption = hours.timezone ? el('caption', { text: t('details.timezone', { tz: hours.timezone }) }) : null;
  return el('table', { class: 'hours' }, caption, tbody);
}

function exceptionsList(hours) {
  const today = localNow(hours.timezone).date;
  const upcoming = (hours.exceptions || []).filter((e) => e.date >= today).sort((a, b) => (a.date < b.date ? -1 : 1)).slice(0, 5);
  if (!upcoming.length) return null;
  return el('ul', { class: 'exceptions' }, ...upcoming.map((e) => {
    const when = formatDate(`${e.date}T12:00:00`);
    const what = e.closed || !(e.periods || []).length ? t('details.closedDay') : e.periods.map(periodText).join(', ');
    return el('li', { text: `${when}: ${what}${e.note ? ` — ${e.note}` : ''}` });
  }));
}

// directionsHref opens the device's maps app (geo: URI) on Android, which handles it, and
// OpenStreetMap's directions elsewhere (iOS and desktops have no geo: handler).
function directionsHref(s) {
  const ll = `${s.lat},${s.lon}`;
  if (/Android/i.test(navigator.userAgent)) return `geo:${ll}?q=${ll}`;
  return `https://www.openstreetmap.org/directions?to=${encodeURIComponent(ll)}`;
}

function renderDetails(s, { focus, fly }) {
  state.selected = s;
  $('d-name').textContent = s.name;
  $('d-org').textContent = s.organization && s.organization.name ? t('details.runBy', { org: s.organization.name }) : '';
  const cats = $('d-cats');
  cats.replaceChildren(...(s.categories || []).map((c) => {
    const chip = el('span', { class: 'chip', text: catLabel(c) });
    chip.style.setProperty('--c', catColor(c));
    return chip;
  }));
  const st = $('d-status');
  st.hidden = !s.status || s.status === 'active';
  st.textContent = st.hidden ? '' : statusLabel(s.status);
  const stale = $('d-stale');
  stale.textContent = staleText(s);
  stale.hidden = !stale.textContent;
  const closed = $('d-closed');
  closed.textContent = s.possibly_closed ? t('live.closed') : '';
  closed.hidden = !s.possibly_closed;
  const live = $('d-live');
  live.replaceChildren(...liveTexts(s).map((l) => el('span', { class: 'live-line', text: l })));
  live.hidden = !live.childElementCount;
  const open = $('d-open');
  const ot = st.hidden ? openText(s) : '';
  open.hidden = !ot;
  open.textContent = ot;
  open.classList.toggle('is-open', openState(s.hours).open);

  const dl = $('d-facts');
  dl.replaceChildren();
  const hours = s.hours || {};
  const box = $('d-hours');
  box.replaceChildren();
  const links = $('d-links');
  links.replaceChildren();
  if (s.confidential) {
    // Only the area and the phone: nothing that would lead someone to the door.
    $('d-desc').textContent = '';
    const area = siteAddress(s);
    fact(dl, t('details.address'), el('strong', { text: t('details.confidential') }), area ? el('br') : null, area);
    if (s.phone) {
      const href = telHref(s.phone);
      fact(dl, t('details.phone'), el(href ? 'a' : 'span', { href, text: s.phone, dir: 'ltr' }));
    }
    $('d-hours-h').hidden = true;
    box.hidden = true;
  } else {
    $('d-hours-h').hidden = false;
    box.hidden = false;
    $('d-desc').textContent = s.description || '';
    const line = addressLine(s.address);
    fact(dl, t('details.address'), line, s.approximate ? el('span', { class: 'note', text: `${line ? ' ' : ''}(${t('details.approx')})` }) : null);
    if (s.phone) {
      const href = telHref(s.phone);
      fact(dl, t('details.phone'), el(href ? 'a' : 'span', { href, text: s.phone, dir: 'ltr' }));
    }
    const web = safeWebsite(s.website);
    if (web) {
      const u = new URL(web);
      const shown = (u.host + u.pathname + u.search).replace(/\/$/, '');
      fact(dl, t('details.website'), el('a', { href: web, rel: 'noopener noreferrer', text: shown }));
    }
    if (s.email && /^[^\s@]+@[^\s@]+$/.test(s.email)) fact(dl, t('details.email'), el('a', { href: `mailto:${s.email}`, text: s.email }));
    if (s.languages && s.languages.length) fact(dl, t('details.languages'), s.languages.map(languageName).join(', '));
    fact(dl, t('details.eligibility'), s.eligibility);
    fact(dl, t('details.fees'), s.fees);
    fact(dl, t('details.accessibility'), s.accessibility);

    if (hours.weekly && hours.weekly.length) box.append(hoursTable(hours));
    const exc = exceptionsList(hours);
    if (exc) box.append(exc);
    if (hours.notes) box.append(el('p', { class: 'hours-notes', text: hours.notes }));
    if (!box.childElementCount) box.append(el('p', { class: 'muted', text: t('details.hoursUnknown') }));

    if (Number.isFinite(s.lat) && Number.isFinite(s.lon)) {
      links.append(el('a', { class: 'btn', id: 'd-directions', rel: 'noopener noreferrer', target: '_blank', text: t('details.directions'), href: directionsHref(s) }));
    }
  }

  const dates = [];
  const up = formatDate(s.updated_at), ver = formatDate(s.verified_at);
  if (up) dates.push(t('details.updated', { date: up }));
  dates.push(ver ? t('details.verified', { date: ver }) : t('details.notVerified'));
  $('d-dates').textContent = dates.join(' ');
  resetReport();
  showPlace(s);

  $('list-view').hidden = true;
  $('details').hidden = false;
  document.body.classList.add('has-details');
  $('details').scrollTop = 0;
  if (focus) $('d-name').focus();
  if (fly && state.map && Number.isFinite(s.lat) && Number.isFinite(s.lon)) {
    const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
    state.map[reduce ? 'jumpTo' : 'flyTo']({ center: [s.lon, s.lat], zoom: Math.max(state.map.getZoom(), s.confidential ? 12 : 14) });
  }
}

// showPlace lists the other providers' services at the site's place (#19): the place view
// says which records describe one place; the map draws it as one pin, and each service here
// opens in these details. A confidential site is never in a place.
let placeCtl = null;
async function showPlace(s) {
  if (placeCtl) placeCtl.abort();
  const box = $('d-place');
  const list = $('d-place-list');
  box.hidden = true;
  list.replaceChildren();
  if (s.confidential) return;
  const ctl = new AbortController();
  placeCtl = ctl;
  let p;
  try {
    p = await getJSON(`${API}/places/${encodeURIComponent(s.id)}`, ctl.signal);
  } catch (err) {
    return; // an older server, or offline: the site alone
  }
  if (ctl.signal.aborted || state.selectedId !== s.id) return;
  const others = (p.sites || []).filter((o) => o.id !== s.id);
  if (!others.length) return;
  list.replaceChildren(...others.map((o) => {
    const b = el('button', { type: 'button', class: 'place-site', dir: 'auto', text: o.name, 'data-id': o.id });
    b.addEventListener('click', () => openSite(o.id, { fly: false }));
    const org = o.organization && o.organization.name ? el('span', { class: 'org', dir: 'auto', text: t('details.runBy', { org: o.organization.name }) }) : null;
    return el('li', {}, b, org);
  }));
  box.hidden = false;
}

// ---- share ----------------------------------------------------------------------------------

// csvCell quotes a value for CSV and defuses formula injection: a cell that a spreadsheet
// would run (starting with = + - @, a tab or a carriage return) gets a leading apostrophe.
function csvCell(v) {
  let s = v == null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function listCSV(sites) {
  const head = [t('share.name'), t('share.categories'), t('details.address'), t('details.phone'), t('details.website'), t('details.hours'), t('details.languages'), 'lat', 'lon'];
  const rows = sites.map((s) => [
    s.name, (s.categories || []).map(catLabel).join('; '), siteAddress(s), s.phone,
    s.confidential ? '' : safeWebsite(s.website), s.confidential ? '' : weekText(s.hours),
    (s.languages || []).map(languageName).join('; '),
    s.confidential ? '' : s.lat, s.confidential ? '' : s.lon,
  ]);
  // A BOM so that spreadsheet programs read the file as UTF-8 (Arabic, Chinese...).
  return `\ufeff${[head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function downloadCSV() {
  const blob = new Blob([listCSV(state.shown)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: 'aidmap-sites.csv' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- start ----------------------------------------------------------------------------------

async function start() {
  const url = readURL();
  state.category = url.category;
  state.openNow = url.openNow;
  state.spoken = url.spoken;
  $('open-now').checked = state.openNow;
  await setLang(pickLang());
  const [info, cats] = await Promise.all([
    withRetry(() => getJSON(`${API}/info`), 'error.server'),
    withRetry(() => getJSON(`${API}/categories`), 'error.server').catch(() => ({ categories: [] })),
  ]);
  state.info = info;
  $('demo-banner').hidden = !info.demo;
  state.categories = (cats.categories || []).map((c) => c.slug);
  if (state.category && !state.categories.includes(state.category)) state.category = '';
  fillChips();

  const b = info.bounds;
  const opts = { container: 'map', attributionControl: false, dragRotate: false, pitchWithRotate: false, touchPitch: false,
    // Chinese and Korean labels are drawn with the device's own fonts: their glyphs are not shipped.
    localIdeographFontFamily: 'sans-serif' };
  const dv = info.default_view;
  if (url.view) {
    Object.assign(opts, url.view);
  } else if (dv && Number.isFinite(dv.lat) && Number.isFinite(dv.lon)) {
    // The deployment's own area (serve --default-view), before the data's extent.
    Object.assign(opts, { center: [dv.lon, dv.lat], zoom: dv.zoom });
  } else if (Array.isArray(b) && b.length === 4) {
    // A single site (or all sites on one point) has a zero-area box: pad it to about 1 km.
    const pad = b[2] - b[0] < 0.01 && b[3] - b[1] < 0.01 ? 0.01 : 0;
    Object.assign(opts, { bounds: [[b[0] - pad, b[1] - pad], [b[2] + pad, b[3] + pad]], fitBoundsOptions: { padding: 30, maxZoom: 15 } });
  } else {
    Object.assign(opts, WORLD);
  }
  // The list is measured from where the map will be centred: for a box, its middle in Web
  // Mercator, as fitBounds does, not the mean latitude.
  const mercY = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const midLat = (a, z) => (360 / Math.PI) * Math.atan(Math.exp((mercY(a) + mercY(z)) / 2)) - 90;
  const c = opts.bounds ? [(opts.bounds[0][0] + opts.bounds[1][0]) / 2, midLat(opts.bounds[0][1], opts.bounds[1][1])] : opts.center;
  state.center = { lon: c[0], lat: c[1] };
  if (!Array.isArray(b) || info.sites === 0) {
    $('map').parentNode.append(el('p', { class: 'empty', 'data-i18n': 'map.noSites', text: t('map.noSites') }));
  }

  // The list first: on a slow network it must not wait for MapLibre (a quarter of a megabyte),
  // which loads once the list has arrived (or after LIST_FIRST_MS).
  refresh();
  if (url.site) openSite(url.site, { fly: false, focus: false });
  registerServiceWorker();
  await Promise.race([firstList, new Promise((r) => setTimeout(r, LIST_FIRST_MS))]);
  let style = null;
  try {
    [style] = await Promise.all([mapStyle(), loadScript('/static/vendor/maplibre-gl/maplibre-gl-csp.js')]);
  } catch (err) {
    console.warn('aidmap: map library:', err);
  }
  state.map = style ? startMap({ ...opts, style }) : null;
  if (!style) showNotice('map.failed');
  if (!state.map) {
    document.body.classList.add('no-map');
    $('list-heading').textContent = t('list.headingNoMap');
  } else if (state.selected && !url.view && Number.isFinite(state.selected.lat)) {
    state.map.jumpTo({ center: [state.selected.lon, state.selected.lat], zoom: state.selected.confidential ? 12 : 14 });
  }
  renderStatus();
  writeURL();
}

// loadScript adds a classic script of ours to the page and resolves when it has run.
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = el('script', { src });
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

// registerServiceWorker installs sw.js, which keeps the app, the last results and the tiles
// seen so that the page opens again without network.
function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  // The first visit's fetches happened before the service worker took control: tell it what
  // they were. MapLibre's web worker, started before it too, fetches its tiles out of the
  // service worker's sight for the whole visit: the map names the tiles in view each time it
  // settles (see startMap), and the service worker keeps them (a revalidation each, as the
  // browser's HTTP cache already has them).
  if (!sw.controller) {
    firstVisit = true;
    sw.addEventListener('controllerchange', () => {
      const urls = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.startsWith(`${location.origin}/`));
      if (state.mapReady) urls.push(...visibleTileURLs(state.map));
      tellServiceWorker(urls);
    }, { once: true });
  }
  sw.register('/static/sw.js', { scope: '/' }).catch((err) => console.warn('aidmap: service worker:', err));
}

// firstVisit is true while this page's map worker is not behind the service worker.
let firstVisit = false;

function tellServiceWorker(urls) {
  const c = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (c && urls.length) c.postMessage({ type: 'seen', urls });
}

// visibleTileURLs lists the URLs of the vector tiles that cover the map's view, for each
// source with a tile template, at the zoom MapLibre loads them (the view's, within the
// source's zoom range).
function visibleTileURLs(map) {
  const b = map.getBounds();
  const urls = [];
  for (const id of Object.keys(map.getStyle().sources)) {
    const src = map.getSource(id);
    if (!src || !Array.isArray(src.tiles)) continue;
    const z = Math.max(src.minzoom || 0, Math.min(Math.floor(map.getZoom()), src.maxzoom ?? 22));
    const n = 2 ** z;
    const tx = (lon) => Math.min(n - 1, Math.max(0, Math.floor(((lon + 180) / 360) * n)));
    const ty = (lat) => {
      const r = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
      return Math.min(n - 1, Math.max(0, Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)));
    };
    for (let x = tx(b.getWest()); x <= tx(b.getEast()); x++) {
      for (let y = ty(b.getNorth()); y <= ty(b.getSouth()); y++) {
        for (const tpl of src.tiles) urls.push(tpl.replace('{z}', z).replace('{x}', x).replace('{y}', y));
      }
    }
  }
  return urls.slice(0, 300);
}

// For tests and for looking around in the browser's console.
globalThis.aidmap = { get map() { return state.map; }, openState, csvCell };

// startMap creates the map, or returns null when this browser cannot draw it (no WebGL):
// the list and details still work then.
function startMap(opts) {
  if (typeof maplibregl === 'undefined') return null;
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
    showNotice('map.noWebGL');
    return null;
  }
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  // The basemap data's licences (OpenStreetMap, Natural Earth, GeoNames) ask to be credited.
  map.addControl(new maplibregl.AttributionControl({ compact: true }), 'bottom-right');
  map.on('error', (e) => console.warn('aidmap: map:', e.error || e));
  map.on('load', () => {
    for (const layer of ['sites', 'sites-approx', 'sites-selected', 'picked', 'picked-approx', 'picked-selected']) {
      map.on('click', layer, (e) => {
        const f = e.features && e.features[0];
        if (f) openSite(f.properties.id);
      });
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    // A cluster opens up: zoom in on it.
    for (const layer of ['sites-clusters', 'picked-clusters']) {
      map.on('click', layer, (e) => {
        const f = e.features && e.features[0];
        if (f) map.easeTo({ center: f.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 14) });
      });
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    state.mapReady = true;
    relabelMap(); // the language may have changed while the map was loading
    setMapSelection();
    syncSitesSource();
    const src = map.getSource('picked');
    if (src) src.setData(pickedGeoJSON());
  });
  map.on('moveend', () => scheduleRefresh());
  // Without a street basemap the map is blank at street zoom: a note says so rather than
  // leave a person wondering (#18).
  const streetNote = () => { $('no-streets').hidden = !(state.noStreets && map.getZoom() >= 13); };
  map.on('zoom', streetNote);
  map.on('load', streetNote);
  map.on('idle', () => {
    if (firstVisit && state.mapReady) tellServiceWorker(visibleTileURLs(map));
  });
  return map;
}

$('lang').addEventListener('change', (e) => {
  setLang(e.target.value, { save: true }).then(writeURL).catch((err) => console.warn('aidmap: language:', err));
});
$('chips').addEventListener('change', (e) => {
  if (e.target.name !== 'category') return;
  state.category = e.target.value;
  scheduleRefresh(0);
});
$('open-now').addEventListener('change', (e) => {
  state.openNow = e.target.checked;
  scheduleRefresh(0);
});
$('spoken').addEventListener('change', (e) => {
  state.spoken = e.target.value;
  scheduleRefresh(0);
});
$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  search($('q').value);
});
$('locate').addEventListener('click', locate);
$('print').addEventListener('click', () => window.print());
$('csv').addEventListener('click', downloadCSV);
$('list').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-id]');
  if (b) openSite(b.dataset.id);
});
$('d-close').addEventListener('click', closeDetails);
$('report-form').addEventListener('submit', sendReport);
$('d-report').addEventListener('toggle', () => { if ($('d-report').open) startPoW(); });
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('details').hidden) {
    e.preventDefault();
    closeDetails();
  }
});

start().catch((err) => {
  console.error('aidmap: start:', err);
  showNotice('error.generic', state.strings['error.generic'] ? `${t('error.generic')} (${err.message})` : String(err.message));
});
