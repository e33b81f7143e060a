package web

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// siteCache keeps, per index snapshot, each listed site's JSON encoded once: everything but
// the open state and the distance, which depend on the request and are spliced in between
// (appendSiteHead, appendOpenState, appendSiteTail, appendDistance). A nearest-10 answer was
// mostly decoding and encoding the same popular sites again and again (BENCHMARKS.md, #20).
//
// A miss costs what encoding without a cache costs plus one copy: the site is encoded straight
// into the response and its two static parts copied into one exact-size allocation (put). The
// first version encoded a miss into fresh, growing slices and answered from the copy; on
// random queries over 1M sites that made the cache slower than no cache (45 against 35 µs a
// request, BenchmarkNearestHandlerRandom1M).
//
// It holds at most siteCacheMax sites, evicting the chunks of areas not read lately (shrink),
// and is dropped whole when the index changes version, so it never keeps an old snapshot alive for
// long nor serves a site as it was; and when the set of sites at stacked points changes
// (place.Places.StackedVersion), for the encoded head says whether a site is approximate
// (#19). That set changes seldom: places made again for an upload or a steward's decision
// keep its version, and the cache.
type siteCache struct {
	gen atomic.Pointer[cacheGen]
	// max and maxChunks bound the sites kept and the chunks holding them; 0 is siteCacheMax
	// and cacheChunksMax (tests set less).
	max, maxChunks int
}

// A cache generation belongs to one index snapshot. Its sites are kept under their slot in it
// (geo.Index.Slot): the base tree's positions are dense, 0 to its size, so a slot indexes an
// array of chunks of atomic pointers, read without a lock or a hash. A map behind sharded
// mutexes was 11% of the server's CPU under wrk (BENCHMARKS-compare.md, third round). Chunks
// are allocated when a site of theirs is first kept; the base tree is in Hilbert order, so
// one chunk is one area and the sites of one answer share a few chunks.

const (
	cacheChunkBits = 12 // 4096 sites a chunk: 32 KB of pointers
	cacheChunkLen  = 1 << cacheChunkBits
	// Base positions below 1<<26 (64M sites) and delta positions below 1<<20 have a chunk;
	// sites beyond are not cached. The chunk table costs 130 KB per generation.
	cacheBaseChunks  = 1 << (26 - cacheChunkBits)
	cacheDeltaChunks = 1 << (20 - cacheChunkBits)
	// siteCacheMax bounds the cache: about 100 MB of JSON at ~800 bytes a site. scripts/bench's
	// 10,000 query points touch about 100k sites of the 1M; a working set larger than the cache
	// turns every lookup into a miss (the first version held 32k).
	siteCacheMax = 128 << 10
	// cacheChunksMax bounds the chunks allocated (32 MB of pointers), whatever the number of
	// sites in them: sites kept one per chunk across 64M would otherwise need 16k chunks.
	cacheChunksMax = 1024
)

type cacheGen struct {
	ix    *geo.Index
	marks uint64 // the place.Places.StackedVersion the heads were encoded with

	max, maxChunks int64 // siteCache's bounds

	n      atomic.Int64 // sites kept (see cacheChunk.n)
	chunks atomic.Int64 // chunks allocated
	evict  sync.Mutex   // one evictor at a time (TryLock: others keep serving)
	hand   int          // the next chunk the eviction looks at, under evict

	orgMu sync.Mutex
	orgs  map[orgKey]*orgKey // interned organisations as encoded, under orgMu

	table [cacheBaseChunks + cacheDeltaChunks]atomic.Pointer[cacheChunk]
}

// cacheChunk holds the sites of cacheChunkLen consecutive slots.
type cacheChunk struct {
	sites [cacheChunkLen]atomic.Pointer[cachedSite]
	// n counts the sites put in the chunk; an evicted chunk's n is set to cacheChunkGone, so
	// that a put racing with the eviction does not count a site that is dropped with it.
	n atomic.Int64
	// used is the chunk's reference bit for the CLOCK eviction: set by a hit, cleared as the
	// hand passes, and a chunk found unused is dropped.
	used atomic.Bool
}

const cacheChunkGone = -1 << 40

// cachedSite is what a list response needs of a site besides its encoded fields.
type cachedSite struct {
	head, tail []byte // parts of one allocation
	// stale is appendStale's text for the site (the site's last check), shown while the site
	// is stale: a check of two instants per request instead of formatting a time.
	stale        []byte
	hours        aidmap.Hours
	open         atomic.Pointer[openMemo] // the open state over a span of time (openhours.go)
	confidential bool
	checked      time.Time // aidmap.Site.CheckedAt, for the stale mark
	// org is the site's organisation as the head was encoded with it, interned per
	// generation: a response checks each organisation once and each site by a pointer.
	org *orgKey
}

// orgKey is what a site's encoded head says of its organisation: the ID, and the name and
// demo mark it was encoded with.
type orgKey struct {
	id, name string
	demo     bool
}

// generation returns the cache of snapshot ix with stacked marks of version marks, replacing
// an older one. A request still answering from an older snapshot or older marks gets nil: its
// sites are encoded without the cache.
func (c *siteCache) generation(ix *geo.Index, marks uint64) *cacheGen {
	g := c.gen.Load()
	if g != nil && g.ix == ix && g.marks == marks {
		return g
	}
	if g != nil && (g.ix.Version() > ix.Version() || g.ix == ix && g.marks > marks) {
		return nil // older: never replace the newer one's cache
	}
	fresh := &cacheGen{ix: ix, marks: marks, max: int64(c.max), maxChunks: int64(c.maxChunks)}
	if fresh.max <= 0 {
		fresh.max = siteCacheMax
	}
	if fresh.maxChunks <= 0 {
		fresh.maxChunks = cacheChunksMax
	}
	if c.gen.CompareAndSwap(g, fresh) {
		return fresh
	}
	if g = c.gen.Load(); g.ix == ix && g.marks == marks {
		return g
	}
	return nil
}

// cell returns where slot's site is kept: its chunk's index in the table and its place in the
// chunk; ok is false for a slot beyond the table.
func cell(slot uint64) (chunk, i int, ok bool) {
	p, delta := slot&(1<<32-1), slot>>32 != 0
	if slot>>32 > 1 {
		return 0, 0, false // not a slot geo.Index.Slot makes
	}
	c, lim := int(p>>cacheChunkBits), cacheBaseChunks
	if delta {
		lim = cacheDeltaChunks
	}
	if c >= lim {
		return 0, 0, false
	}
	if delta {
		c += cacheBaseChunks
	}
	return c, int(p & (cacheChunkLen - 1)), true
}

// get returns the cached encoding of h's site, or nil when it is not cached or its
// organisation's name changed since it was encoded.
func (g *cacheGen) get(h geo.Hit, orgs *orgMemo) *cachedSite {
	slot, ok := g.ix.Slot(h)
	if !ok {
		return nil
	}
	ci, i, ok := cell(slot)
	if !ok {
		return nil
	}
	c := g.table[ci].Load()
	if c == nil {
		return nil
	}
	e := c.sites[i].Load()
	if e == nil {
		return nil
	}
	if !c.used.Load() { // read first: a hit writes the shared bit only once per sweep
		c.used.Store(true)
	}
	if !orgs.same(e.org) {
		return nil
	}
	return e
}

// put keeps site's encoded head and tail (parts of a response being written: they are
// copied) for h. Sites with live data are not kept: their age is shown, and it changes with
// every request (capacity.go).
func (g *cacheGen) put(h geo.Hit, site *aidmap.Site, org aidmap.Organization, head, tail []byte) {
	if site.Capacity != nil || site.ClosedReports != nil {
		return
	}
	slot, ok := g.ix.Slot(h)
	if !ok {
		return
	}
	ci, i, ok := cell(slot)
	if !ok {
		return
	}
	c := g.table[ci].Load()
	if c == nil {
		if g.chunks.Load() >= g.maxChunks {
			g.shrink()
			return
		}
		c = new(cacheChunk)
		c.used.Store(true) // new: it stays for one turn of the hand
		if !g.table[ci].CompareAndSwap(nil, c) {
			if c = g.table[ci].Load(); c == nil {
				return // evicted meanwhile: keep this site another time
			}
		} else {
			g.chunks.Add(1)
		}
	}
	checked := site.CheckedAt()
	buf := make([]byte, len(head)+len(tail), len(head)+len(tail)+len(`,"stale":true,"checked_at":"2006-01-02T15:04:05Z"`))
	n := copy(buf, head)
	m := n + copy(buf[n:], tail)
	buf = appendStale(buf, checked)
	e := &cachedSite{
		head:         buf[:n:n],
		tail:         buf[n:m:m],
		stale:        buf[m:],
		hours:        cloneHours(site.Hours),
		confidential: site.Confidential,
		checked:      checked,
		org:          g.intern(orgKey{id: site.OrganizationID, name: org.Name, demo: org.Demo}),
	}
	if c.sites[i].Swap(e) != nil {
		return // replaced a copy another request put: counted already
	}
	if c.n.Add(1) > 0 { // not in a chunk being evicted
		if g.n.Add(1) > g.max {
			g.shrink()
		}
	}
}

// shrink evicts chunks until the cache is within its bounds: CLOCK over the chunk table, so
// areas read since the hand last passed stay. Only one request evicts at a time; the others
// do not wait (the cache may exceed its bounds by what they put meanwhile).
func (g *cacheGen) shrink() {
	if !g.evict.TryLock() {
		return
	}
	defer g.evict.Unlock()
	// Two turns of the hand at most: the first clears every reference bit.
	for range 2 * len(g.table) {
		if g.n.Load() <= g.max-g.max/8 && g.chunks.Load() < g.maxChunks-g.maxChunks/8 {
			return // an eighth free: the next eviction is thousands of puts away
		}
		ci := g.hand
		g.hand = (g.hand + 1) % len(g.table)
		c := g.table[ci].Load()
		if c == nil {
			continue
		}
		if c.used.Load() {
			c.used.Store(false)
			continue
		}
		g.table[ci].Store(nil)
		g.chunks.Add(-1)
		g.n.Add(-c.n.Swap(cacheChunkGone))
	}
}

// intern returns the generation's one copy of k.
func (g *cacheGen) intern(k orgKey) *orgKey {
	g.orgMu.Lock()
	defer g.orgMu.Unlock()
	if p := g.orgs[k]; p != nil {
		return p
	}
	if g.orgs == nil {
		g.orgs = make(map[orgKey]*orgKey)
	}
	p := &k
	g.orgs[k] = p
	return p
}

// orgMemo looks organisations up for one response, remembering the last: the sites of one
// answer are often one organisation's, and each lookup hashes the ID.
type orgMemo struct {
	src   Source // an interface, not the method value: that one is allocated per response
	id    string
	org   aidmap.Organization
	ok    bool
	key   *orgKey // the last same asked about, and its answer
	keyOK bool
}

func (m *orgMemo) get(id string) aidmap.Organization {
	if !m.ok || id != m.id {
		m.org, _ = m.src.Organization(id)
		m.id, m.ok = id, true
	}
	return m.org
}

// same reports whether k, an organisation as a cached site was encoded with, is the
// organisation as it is now; it remembers the last k, which the sites of one answer often
// share.
func (m *orgMemo) same(k *orgKey) bool {
	if k != m.key {
		org := m.get(k.id)
		m.key, m.keyOK = k, org.Name == k.name && org.Demo == k.demo
	}
	return m.keyOK
}

// cloneHours copies the slices of h, which DecodeSite's next call reuses; empty ones stay nil.
func cloneHours(h aidmap.Hours) aidmap.Hours {
	if len(h.Weekly) > 0 {
		h.Weekly = append([]aidmap.Period(nil), h.Weekly...)
	} else {
		h.Weekly = nil
	}
	if len(h.Exceptions) > 0 {
		h.Exceptions = append([]aidmap.Exception(nil), h.Exceptions...)
	} else {
		h.Exceptions = nil
	}
	return h
}
