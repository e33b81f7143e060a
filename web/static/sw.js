// aidmap service worker: a person who opened the map once can open it again without network.
//
// It keeps three caches: the app shell (page, scripts, styles, strings), the last API answers
// (with the last list of sites under a fixed key, whatever the map centre was), and the map
// tiles and fonts already seen (at most MAX_TILES). Everything goes to the network first, so
// an online reader always gets fresh data; the caches answer only when the network fails, and
// such answers carry X-Aidmap-Saved (when they were saved) so the page can say it shows saved
// data. Geocoding answers are never stored: what a person searched for stays private.
//
// It is served from /static/sw.js with Service-Worker-Allowed: / (web/static.go) so that it
// can control the page at /.

const VERSION = 'v1';
const SHELL = `aidmap-shell-${VERSION}`;
const DATA = `aidmap-data-${VERSION}`;
const TILES = `aidmap-tiles-${VERSION}`;
const MAX_TILES = 2000;
const LAST_LIST = '/__aidmap/last-list';
const LANGS = ['en', 'fr', 'es', 'ar', 'fa', 'uk', 'zh', 'pa', 'tl', 'ko'];
const SHELL_URLS = [
  '/',
  '/static/app.js',
  '/static/pow.js',
  '/static/app.css',
  '/static/style.json',
  '/static/icon.svg',
  '/static/manifest.webmanifest',
  '/static/vendor/maplibre-gl/maplibre-gl-csp.js',
  '/static/vendor/maplibre-gl/maplibre-gl-csp-worker.js',
  '/static/vendor/maplibre-gl/maplibre-gl.css',
  ...LANGS.map((l) => `/static/i18n/${l}.json`),
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL, DATA, TILES]);
    for (const k of await caches.keys()) if (k.startsWith('aidmap-') && !keep.has(k)) await caches.delete(k);
    await self.clients.claim();
  })());
});

// What the page fetched before this worker controlled it (the first visit's list and tiles)
// is not in the caches yet: the page sends those URLs once, and they are fetched and kept.
self.addEventListener('message', (event) => {
  const d = event.data;
  if (!d || d.type !== 'seen' || !Array.isArray(d.urls)) return;
  event.waitUntil(Promise.all(d.urls.slice(0, 500).map(async (u) => {
    let url;
    try { url = new URL(u, self.location.origin); } catch { return; }
    const kind = kindOf(url);
    if (!kind || kind === 'private') return;
    try {
      const res = await fetch(url.href);
      if (res.ok) await save(kind, url, res);
    } catch { /* offline again: nothing to keep */ }
  })));
});

// kindOf sorts a same-origin URL: 'shell', 'data', 'tile', 'private' (never stored) or ''
// (not handled: another origin).
// Only the public map's own reads are stored (an allowlist): never geocoding, never anything
// behind a login (the management pages under /static/manage/, admin or upload APIs).
const PUBLIC_API = /^\/api\/v1\/(info|categories|sites|sites\/nearest|sites\/[^/]+)$/;
function kindOf(url) {
  if (url.origin !== self.location.origin) return '';
  const p = url.pathname;
  if (PUBLIC_API.test(p)) return 'data';
  if (p.startsWith('/tiles/') || p.startsWith('/fonts/')) return /\.json$/.test(p) ? 'data' : 'tile';
  if (p === '/' || (p.startsWith('/static/') && !p.startsWith('/static/manage/'))) return 'shell';
  return 'private';
}

const isList = (url) => url.pathname === '/api/v1/sites/nearest' || url.pathname === '/api/v1/sites';

// save keeps a copy of res; data answers are stamped with the time they were saved.
async function save(kind, url, res) {
  if (kind === 'shell') {
    await (await caches.open(SHELL)).put(url.pathname === '/' ? '/' : url.href, res);
    return;
  }
  if (kind === 'tile') {
    const c = await caches.open(TILES);
    await c.put(url.href, res);
    trimTiles(c);
    return;
  }
  const headers = new Headers(res.headers);
  headers.set('X-Aidmap-Saved', new Date().toISOString());
  const body = await res.arrayBuffer();
  const c = await caches.open(DATA);
  await c.put(url.href, new Response(body, { status: res.status, statusText: res.statusText, headers }));
  if (isList(url)) await c.put(LAST_LIST, new Response(body, { status: res.status, statusText: res.statusText, headers }));
}

let puts = 0;
async function trimTiles(c) {
  if (++puts % 50) return;
  const keys = await c.keys();
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) await c.delete(k);
}

async function fromCache(kind, url, request) {
  if (request.mode === 'navigate') return caches.match('/', { cacheName: SHELL });
  const name = { shell: SHELL, data: DATA, tile: TILES }[kind];
  const hit = await caches.match(url.href, { cacheName: name });
  if (hit) return hit;
  if (kind === 'data' && isList(url)) return caches.match(LAST_LIST, { cacheName: DATA });
  return undefined;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  const kind = request.mode === 'navigate' && url.origin === self.location.origin && url.pathname === '/' ? 'shell' : kindOf(url);
  if (!kind || kind === 'private') return;
  event.respondWith((async () => {
    try {
      const res = await fetch(request);
      if (res.ok && res.status === 200) {
        const copy = res.clone();
        event.waitUntil(save(kind, request.mode === 'navigate' ? new URL('/', url) : url, copy).catch(() => {}));
      }
      return res;
    } catch (err) {
      const hit = await fromCache(kind, url, request);
      if (hit) return hit;
      throw err;
    }
  })());
});
