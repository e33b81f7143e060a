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
// It holds at most siteCacheMax sites, evicting arbitrary entries of a full shard, and is
// dropped whole when the index changes version, so it never keeps an old snapshot alive for
// long nor serves a site as it was; and when the set of sites at stacked points changes
// (place.Places.StackedVersion), for the encoded head says whether a site is approximate
// (#19). That set changes seldom: places made again for an upload or a steward's decision
// keep its version, and the cache.
type siteCache struct {
	gen atomic.Pointer[cacheGen]
}

// A cache generation belongs to one index snapshot; sites are kept under their slot in it
// (geo.Index.Slot: a number, so the maps hold no pointers and hash fast).

const (
	siteCacheShards = 64
	// siteCacheMax bounds the cache: about 100 MB of JSON at ~800 bytes a site. scripts/bench's
	// 10,000 query points touch about 100k sites of the 1M; a working set larger than the cache
	// turns every lookup into a miss (the first version held 32k).
	siteCacheMax = 128 << 10
	// siteCacheEvict is the share of a full shard evicted at once (1/8), so a full shard pays
	// the eviction once every few thousand inserts, not at each.
	siteCacheEvict = 8
)

type cacheGen struct {
	ix     *geo.Index
	marks  uint64 // the place.Places.StackedVersion the heads were encoded with
	shards [siteCacheShards]cacheShard
}

type cacheShard struct {
	mu sync.Mutex
	m  map[uint64]*cachedSite
}

// cachedSite is what a list response needs of a site besides its encoded fields.
type cachedSite struct {
	head, tail   []byte // two parts of one allocation
	hours        aidmap.Hours
	confidential bool
	checked      time.Time // aidmap.Site.CheckedAt, for the stale mark
	orgID        string
	org          aidmap.Organization // as the head was encoded with it
}

// generation returns the cache of snapshot ix with stacked marks of version marks, replacing
// an older one. A request still answering from an older snapshot or older marks gets a
// generation of its own that is not kept: its sites are encoded without the cache.
func (c *siteCache) generation(ix *geo.Index, marks uint64) *cacheGen {
	g := c.gen.Load()
	if g != nil && g.ix == ix && g.marks == marks {
		return g
	}
	fresh := &cacheGen{ix: ix, marks: marks}
	if g != nil && (g.ix.Version() > ix.Version() || g.ix == ix && g.marks > marks) {
		return fresh // older: never replace the newer one's cache
	}
	if c.gen.CompareAndSwap(g, fresh) {
		return fresh
	}
	if g = c.gen.Load(); g.ix == ix && g.marks == marks {
		return g
	}
	return fresh
}

// get returns the cached encoding of h's site, or nil when it is not cached or its
// organisation's name changed since it was encoded.
func (g *cacheGen) get(h geo.Hit, orgs *orgMemo) *cachedSite {
	slot, ok := g.ix.Slot(h)
	if !ok {
		return nil
	}
	sh := &g.shards[slotHash(slot)%siteCacheShards]
	sh.mu.Lock()
	e := sh.m[slot]
	sh.mu.Unlock()
	if e == nil {
		return nil
	}
	if org := orgs.get(e.orgID); org.Name != e.org.Name || org.Demo != e.org.Demo {
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
	buf := make([]byte, len(head)+len(tail))
	n := copy(buf, head)
	copy(buf[n:], tail)
	e := &cachedSite{
		head:         buf[:n:n],
		tail:         buf[n:],
		hours:        cloneHours(site.Hours),
		confidential: site.Confidential,
		checked:      site.CheckedAt(),
		orgID:        site.OrganizationID,
		org:          org,
	}
	slot, ok := g.ix.Slot(h)
	if !ok {
		return
	}
	sh := &g.shards[slotHash(slot)%siteCacheShards]
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[uint64]*cachedSite, 64)
	} else if len(sh.m) >= siteCacheMax/siteCacheShards {
		drop := len(sh.m) / siteCacheEvict
		for k := range sh.m { // map order is arbitrary: a random-ish eviction
			delete(sh.m, k)
			if drop--; drop <= 0 {
				break
			}
		}
	}
	sh.m[slot] = e
	sh.mu.Unlock()
}

// slotHash spreads slots over the shards.
func slotHash(slot uint64) uint64 {
	x := slot * 0x9e3779b97f4a7c15
	return x ^ x>>29
}

// orgMemo looks organisations up for one response, remembering the last: the sites of one
// answer are often one organisation's, and each lookup hashes the ID.
type orgMemo struct {
	lookup func(string) (aidmap.Organization, bool)
	id     string
	org    aidmap.Organization
	ok     bool
}

func (m *orgMemo) get(id string) aidmap.Organization {
	if !m.ok || id != m.id {
		m.org, _ = m.lookup(id)
		m.id, m.ok = id, true
	}
	return m.org
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
