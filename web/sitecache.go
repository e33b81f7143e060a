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
// It holds at most siteCacheMax sites and is dropped whole when the index changes version,
// so it never keeps an old snapshot alive for long nor serves a site as it was.
type siteCache struct {
	gen atomic.Pointer[cacheGen]
}

const (
	siteCacheShards = 32
	siteCacheMax    = 32 << 10 // sites; about 25 MB of JSON at ~800 bytes a site
)

type cacheGen struct {
	version int64
	shards  [siteCacheShards]cacheShard
}

type cacheShard struct {
	mu sync.Mutex
	m  map[geo.Ref]*cachedSite
}

// cachedSite is what a list response needs of a site besides its encoded fields.
type cachedSite struct {
	head, tail   []byte
	hours        aidmap.Hours
	confidential bool
	checked      time.Time // aidmap.Site.CheckedAt, for the stale mark
	orgID        string
	org          aidmap.Organization // as the head was encoded with it
}

// generation returns the cache of index version v, replacing an older one.
func (c *siteCache) generation(v int64) *cacheGen {
	g := c.gen.Load()
	if g != nil && g.version == v {
		return g
	}
	fresh := &cacheGen{version: v}
	if c.gen.CompareAndSwap(g, fresh) {
		return fresh
	}
	return c.gen.Load()
}

// get returns the cached encoding of h's site, encoding it on a miss (or when its
// organisation's name changed since), with decoded as scratch. It returns nil for the zero hit.
func (g *cacheGen) get(h geo.Hit, orgs func(string) (aidmap.Organization, bool), decoded *aidmap.Site) *cachedSite {
	ref := h.Ref()
	sh := &g.shards[refHash(ref)%siteCacheShards]
	sh.mu.Lock()
	e := sh.m[ref]
	sh.mu.Unlock()
	if e != nil {
		if org, _ := orgs(e.orgID); org.Name == e.org.Name && org.Demo == e.org.Demo {
			return e
		}
	}
	if !h.DecodeSite(decoded) {
		return nil
	}
	if decoded.Capacity != nil || decoded.ClosedReports != nil {
		// Live data (capacity.go) is shown by its age, which changes with every request:
		// such a site (a few of them) is encoded per request, by the caller.
		return nil
	}
	decoded.ID = h.ID()
	org, _ := orgs(decoded.OrganizationID)
	v := siteView{site: decoded, org: org}
	e = &cachedSite{
		head:         appendSiteHead(nil, v, true),
		tail:         appendSiteTail(nil, decoded),
		hours:        cloneHours(decoded.Hours),
		confidential: decoded.Confidential,
		checked:      decoded.CheckedAt(),
		orgID:        decoded.OrganizationID,
		org:          org,
	}
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= siteCacheMax/siteCacheShards {
		sh.m = make(map[geo.Ref]*cachedSite, 64) // full: start the shard again
	}
	sh.m[ref] = e
	sh.mu.Unlock()
	return e
}

// refHash spreads refs over the shards.
func refHash(r geo.Ref) uint64 {
	x := uint64(r.Position()) * 0x9e3779b97f4a7c15
	return x ^ x>>29
}

// cloneHours copies the slices of h, which DecodeSite's next call reuses.
func cloneHours(h aidmap.Hours) aidmap.Hours {
	h.Weekly = append([]aidmap.Period(nil), h.Weekly...)
	h.Exceptions = append([]aidmap.Exception(nil), h.Exceptions...)
	return h
}
