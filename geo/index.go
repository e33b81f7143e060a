// Package geo is the in-memory spatial index that answers every read query of aidmap: the k
// nearest sites, all sites within a radius, all sites in a box, with category filters and
// distances in metres on the sphere. It imports the domain only (and the standard library).
//
// An Index is an immutable snapshot: any number of goroutines may query it at once without
// locks. Apply returns a new snapshot that shares most of its memory with the old one, and Live
// publishes the current snapshot through an atomic pointer.
//
// Sites are indexed at their public location (aidmap.Site.PublicLocation), so a confidential
// site is found, and measured, only at its generalised area point; no query can reveal its
// true point.
package geo

import (
	"slices"
	"sync/atomic"

	"github.com/aidmap/aidmap"
)

// Filter restricts queries.
type Filter struct {
	// Categories is the zero value for any category; otherwise a site must have at least one.
	Categories aidmap.CategorySet
}

func (f Filter) match(c aidmap.CategorySet) bool { return f.Categories == 0 || f.Categories&c != 0 }

// Hit is one query result.
type Hit struct {
	Site      *aidmap.Site // shared, read-only: callers must not modify
	DistanceM float64      // metres on the sphere from the query point to the site's indexed point
}

// BBox is a box in WGS84 degrees. MinLon > MaxLon means the box crosses the antimeridian.
// Edges are inclusive.
type BBox struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// Index is an immutable snapshot of the visible sites. The zero value is not usable; build one
// with NewIndex or a Builder.
//
// It is made of a large base tree, built at start-up or at the last rebuild, tombstones for base
// sites changed or removed since, and a small delta tree of the sites changed since. Apply
// rebuilds only the delta, until the delta grows past a fraction of the base and everything is
// rebuilt.
type Index struct {
	version int64
	base    *tree
	dead    []uint64 // tombstones over base positions; nil when none
	ndead   int
	delta   *tree // nil when there are no changes since the base was built
	bounds  BBox
	nonzero bool
}

// NewIndex indexes the visible sites of sites as the given version. It copies what it needs:
// the caller may reuse sites afterwards. When an ID occurs more than once the last one wins.
func NewIndex(sites []aidmap.Site, version int64) *Index {
	b := NewBuilder(len(sites))
	for i := range sites {
		b.Add(sites[i])
	}
	return b.Build(version)
}

// Builder builds an Index from a stream of sites, such as the rows a store returns at
// start-up. A Builder must not be used after Build.
type Builder struct {
	sites []*aidmap.Site
	arena arena
	gone  map[string]int // IDs added as not visible, with their position in the stream
}

// NewBuilder returns a Builder expecting about sizeHint sites.
func NewBuilder(sizeHint int) *Builder {
	b := &Builder{sites: make([]*aidmap.Site, 0, max(sizeHint, 0))}
	b.arena.chunk = max(64, min(sizeHint, 4096))
	return b
}

// Add adds a copy of s. A site that is not visible is not indexed, and removes a site with the
// same ID added before it; a site with an ID added before replaces it.
func (b *Builder) Add(s aidmap.Site) {
	if !s.Visible() {
		if b.gone == nil {
			b.gone = make(map[string]int)
		}
		b.gone[s.ID] = len(b.sites)
		return
	}
	b.sites = append(b.sites, b.arena.copy(&s))
}

// Build returns the index of the sites added, as the given version.
func (b *Builder) Build(version int64) *Index {
	sites := b.sites
	if len(b.gone) > 0 {
		// Rare: drop sites removed later in the stream.
		kept := sites[:0:0]
		for i, s := range sites {
			if at, ok := b.gone[s.ID]; !ok || at <= i {
				kept = append(kept, s)
			}
		}
		sites = kept
	}
	t, dead := buildTree(sites)
	ix := &Index{version: version, base: t, dead: dead}
	for _, w := range dead {
		ix.ndead += popcount(w)
	}
	ix.computeBounds()
	b.sites = nil
	return ix
}

// Version returns the version the index was built or patched to.
func (ix *Index) Version() int64 { return ix.version }

// Len returns the number of indexed (visible) sites.
func (ix *Index) Len() int { return ix.base.len() - ix.ndead + ix.delta.len() }

func (ix *Index) isDead(p uint32) bool {
	return ix.dead != nil && ix.dead[p/64]&(1<<(p%64)) != 0
}

// Site returns the indexed site with the given ID. The site is shared: callers must not
// modify it.
func (ix *Index) Site(id string) (*aidmap.Site, bool) {
	if ix.delta != nil {
		if p, ok := ix.delta.ids[id]; ok {
			return ix.delta.sites[p], true
		}
	}
	if p, ok := ix.base.ids[id]; ok && !ix.isDead(p) {
		return ix.base.sites[p], true
	}
	return nil, false
}

// Bounds returns the extent of the indexed sites' points, crossing the antimeridian when that
// gives the narrower box. It returns false when the index is empty.
func (ix *Index) Bounds() (BBox, bool) { return ix.bounds, ix.nonzero }

// Apply returns a new index in which the changed sites replace those with the same IDs: a site
// that is not visible is removed, a new one is added. ix itself does not change and stays
// usable. Within changed, the last site with an ID wins.
func (ix *Index) Apply(changed []aidmap.Site, version int64) *Index {
	// The sites of the delta after the change, by ID; nil means removed.
	var ar arena
	ar.chunk = max(16, min(len(changed), 1024))
	next := make(map[string]*aidmap.Site, ix.delta.len()+len(changed))
	if ix.delta != nil {
		for i, s := range ix.delta.sites {
			next[s.ID] = ix.delta.sites[i]
		}
	}
	dead := ix.dead
	ndead := ix.ndead
	copied := false
	for i := range changed {
		s := &changed[i]
		if p, ok := ix.base.ids[s.ID]; ok && !ix.isDead(p) {
			if !copied {
				dead = make([]uint64, (ix.base.len()+63)/64)
				copy(dead, ix.dead)
				copied = true
			}
			if dead[p/64]&(1<<(p%64)) == 0 {
				dead[p/64] |= 1 << (p % 64)
				ndead++
			}
		}
		if s.Visible() {
			next[s.ID] = ar.copy(s)
		} else {
			next[s.ID] = nil
		}
	}
	ids := make([]string, 0, len(next))
	for id, s := range next {
		if s != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // deterministic build order
	sites := make([]*aidmap.Site, len(ids))
	for i, id := range ids {
		sites[i] = next[id]
	}

	out := &Index{version: version}
	live := ix.base.len() - ndead
	if len(sites) > max(minRebuild, live/rebuildFraction) {
		// The delta has grown: rebuild one tree of everything.
		all := make([]*aidmap.Site, 0, live+len(sites))
		for p, s := range ix.base.sites {
			if dead == nil || dead[p/64]&(1<<(p%64)) == 0 {
				all = append(all, s)
			}
		}
		all = append(all, sites...)
		out.base, _ = buildTree(all)
	} else {
		out.base, out.dead, out.ndead = ix.base, dead, ndead
		if len(sites) > 0 {
			out.delta, _ = buildTree(sites)
		}
	}
	out.computeBounds()
	return out
}

// Delta limits: Apply rebuilds everything once the changes since the last rebuild exceed
// max(minRebuild, live sites/rebuildFraction). Below that, a query searches two trees and skips
// tombstones, which costs little.
const (
	minRebuild      = 1024
	rebuildFraction = 64
)

// computeBounds finds the extent of the live points. Longitudes are binned by degree; the
// widest empty gap between occupied bins (measured between the actual points on either side)
// is left out of the box, which therefore crosses the antimeridian when the widest gap does not.
func (ix *Index) computeBounds() {
	var binMin, binMax [360]float64
	var used [360]bool
	minLat, maxLat := 90.0, -90.0
	any := false
	add := func(lat, lon float64) {
		any = true
		minLat, maxLat = min(minLat, lat), max(maxLat, lat)
		b := min(int(lon+180), 359)
		if !used[b] {
			used[b], binMin[b], binMax[b] = true, lon, lon
			return
		}
		binMin[b], binMax[b] = min(binMin[b], lon), max(binMax[b], lon)
	}
	for p, ll := range ix.base.ll {
		if !ix.isDead(uint32(p)) {
			add(ll[0], ll[1])
		}
	}
	if ix.delta != nil {
		for _, ll := range ix.delta.ll {
			add(ll[0], ll[1])
		}
	}
	ix.nonzero = any
	if !any {
		return
	}
	var occupied []int
	for b := range used {
		if used[b] {
			occupied = append(occupied, b)
		}
	}
	first, last := occupied[0], occupied[len(occupied)-1]
	// The gap across the antimeridian, then each gap between neighbouring occupied bins.
	best := (binMin[first] + 180) + (180 - binMax[last])
	box := BBox{MinLon: binMin[first], MaxLon: binMax[last], MinLat: minLat, MaxLat: maxLat}
	for i := 1; i < len(occupied); i++ {
		a, b := occupied[i-1], occupied[i]
		if gap := binMin[b] - binMax[a]; gap > best {
			best = gap
			box.MinLon, box.MaxLon = binMin[b], binMax[a]
		}
	}
	ix.bounds = box
}

func popcount(w uint64) int {
	n := 0
	for ; w != 0; w &= w - 1 {
		n++
	}
	return n
}

// arena copies sites into chunks, so that a million sites are a few thousand allocations and
// no caller can change an indexed site through a slice it still holds.
type arena struct {
	chunk   int
	sites   []aidmap.Site
	cats    []aidmap.Category
	strs    []string
	periods []aidmap.Period
}

func (a *arena) copy(s *aidmap.Site) *aidmap.Site {
	if len(a.sites) == cap(a.sites) {
		a.sites = make([]aidmap.Site, 0, a.chunk)
	}
	a.sites = append(a.sites, *s)
	c := &a.sites[len(a.sites)-1]
	c.Categories = cloneInto(&a.cats, s.Categories, a.chunk*2)
	c.Languages = cloneInto(&a.strs, s.Languages, a.chunk)
	c.Hours.Weekly = cloneInto(&a.periods, s.Hours.Weekly, a.chunk*4)
	if s.Hours.Exceptions != nil {
		c.Hours.Exceptions = slices.Clone(s.Hours.Exceptions)
		for i := range c.Hours.Exceptions {
			c.Hours.Exceptions[i].Periods = slices.Clone(c.Hours.Exceptions[i].Periods)
		}
	}
	return c
}

// cloneInto copies s into the shared backing array *buf, capping the result's capacity so an
// append by a reader cannot overwrite a neighbour.
func cloneInto[T any](buf *[]T, s []T, chunk int) []T {
	if len(s) == 0 {
		if s == nil {
			return nil
		}
		return []T{}
	}
	if cap(*buf)-len(*buf) < len(s) {
		*buf = make([]T, 0, max(chunk, len(s)))
	}
	start := len(*buf)
	*buf = append(*buf, s...)
	return (*buf)[start:len(*buf):len(*buf)]
}

// Live holds the current Index. Readers call Load and never lock; one writer at a time calls
// Store with an index derived from the previous one (usually by Apply).
type Live struct {
	p atomic.Pointer[Index]
}

var empty = NewIndex(nil, 0)

// Load returns the current index: never nil. A Live that was never stored to returns an empty
// index of version 0.
func (l *Live) Load() *Index {
	if ix := l.p.Load(); ix != nil {
		return ix
	}
	return empty
}

// Store publishes ix as the current index. Storing nil publishes an empty index.
func (l *Live) Store(ix *Index) {
	if ix == nil {
		ix = empty
	}
	l.p.Store(ix)
}
