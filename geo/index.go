// Package geo is the in-memory spatial index that answers every read query of aidmap: the k
// nearest sites, all sites within a radius, all sites in a box, with category filters and
// distances in metres on the sphere. It imports the domain only (and the standard library).
//
// An Index is an immutable snapshot: any number of goroutines may query it at once without
// locks. Apply returns a new snapshot that shares most of its memory with the old one, and Live
// publishes the current snapshot through an atomic pointer.
//
// The index holds only what may be published. A confidential site is indexed only in its
// public form (aidmap.Publisher.Public: its area pin, no address), so it is found, and
// measured, only at that pin, and nothing read from the index can reveal its true point; a
// confidential site given in any other form is treated as removed (fail closed).
package geo

import (
	"bytes"
	"math/bits"
	"slices"
	"sync/atomic"

	"github.com/aidmap/aidmap"
)

// Filter restricts queries.
type Filter struct {
	// Categories is the zero value for any category; otherwise a site must have at least one.
	Categories aidmap.CategorySet
	// Match, when not nil, must accept a site too. It is called during the search, only for
	// sites that pass Categories and could be results (for Nearest: within the current k-th
	// distance), so Nearest returns exactly the k nearest sites that match, however rare they
	// are. It may be called from the querying goroutine only, must not keep h, and reads the
	// site with h.DecodeSite or h.Site. Tiles ignore it (their cache is keyed by category).
	Match func(h Hit) bool
	// MaxMatch, when above 0, bounds how many times Nearest calls Match: after that many, the
	// search stops with the nearest matching sites found so far. (A Match that rejects nearly
	// everything would otherwise read the whole index.) Within and the box queries, bounded by
	// their area, ignore it.
	MaxMatch int

	// Languages, when not empty, keeps sites that speak any of them (BCP 47 tags, compared by
	// primary subtag: "fr" matches "fr-CA").
	Languages []string
	// Statuses, when not empty, keeps sites with any of them.
	Statuses []aidmap.Status
	// HoursKnown keeps sites whose opening hours are known (what an open-now filter needs).
	HoursKnown bool
	// MaybeFree keeps only sites whose fees text may say they are free, and MaybeWheelchair
	// those whose accessibility text may say a wheelchair gets in: necessary conditions of
	// query's rules (a word that can make it so; see freeWords), so the search prunes the
	// nodes without such a site. They are not exact: the caller's Match decides.
	MaybeFree, MaybeWheelchair bool

	langs, statuses, require aidmap.CategorySet // compiled from the fields above
	never                    bool               // the fields above can match no site
	all                      bool               // the fields above keep every site
	site                     *aidmap.Site       // scratch of the exact language check
	matches                  int                // Match calls so far (MaxMatch)
	stopped                  bool               // MaxMatch reached: the search ends
}

// accept reports whether the point at p of t passes the checks its bits cannot decide: its
// languages exactly, and Match.
func (f *Filter) accept(t *tree, p uint32) bool {
	if f.site != nil && !f.speaks(t, p) {
		return false
	}
	if f.Match == nil {
		return true
	}
	if f.MaxMatch > 0 {
		if f.matches == f.MaxMatch {
			f.stopped = true
			return false
		}
		f.matches++
	}
	return f.Match(Hit{t: t, p: p})
}

// Hit is one query result: the distance, and a reference to the site's record in the index,
// which Site decodes. A Hit keeps the part of the index holding the site alive, so a caller that
// pools Hit slices should clear them.
type Hit struct {
	DistanceM float64 // metres on the sphere from the query point to the site's indexed point
	t         *tree
	p         uint32
}

// Site decodes the site of h. Each call returns a fresh *aidmap.Site that the caller owns; its
// strings share the index's immutable memory. It returns nil for the zero Hit.
func (h Hit) Site() *aidmap.Site {
	if h.t == nil {
		return nil
	}
	return h.t.site(h.p)
}

// ID returns the ID of the site of h without decoding the site ("" for the zero Hit).
func (h Hit) ID() string {
	if h.t == nil {
		return ""
	}
	return idString(&h.t.ids[h.p])
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
//
// Sites are identified by their ID, which must be a lowercase UUID as aidmap.SiteID makes it
// and aidmap.Site.Validate requires: the index keeps IDs as 16 bytes. A site with any other ID
// is not indexed.
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
		b.add(&sites[i])
	}
	return b.Build(version)
}

// Builder builds an Index from a stream of sites, such as the rows a store returns at
// start-up, encoding each site's record as it arrives. A Builder must not be used after Build.
type Builder struct {
	st   *staged
	gone map[[16]byte]int // IDs added as not visible, with their position in the stream
}

// NewBuilder returns a Builder expecting about sizeHint sites.
func NewBuilder(sizeHint int) *Builder {
	return &Builder{st: newStaged(max(sizeHint, 0))}
}

// Add adds a copy of s. A site that is not visible, or confidential and not in its public
// form (aidmap.Publisher.Public), is not indexed, and removes a site with the
// same ID added before it; a site with an ID added before replaces it.
func (b *Builder) Add(s aidmap.Site) { b.add(&s) }

func (b *Builder) add(s *aidmap.Site) {
	id, ok := parseID(s.ID)
	if !ok {
		return
	}
	if !indexable(s) {
		if b.gone == nil {
			b.gone = make(map[[16]byte]int)
		}
		b.gone[id] = b.st.len()
		return
	}
	b.st.add(s, id)
}

// Build returns the index of the sites added, as the given version.
func (b *Builder) Build(version int64) *Index {
	t, dead := buildTreeDedup(b.st, b.gone)
	ix := &Index{version: version, base: t, dead: dead}
	for _, w := range dead {
		ix.ndead += bits.OnesCount64(w)
	}
	ix.computeBounds()
	b.st = nil
	return ix
}

// buildTreeDedup builds the tree of st, in which an ID may occur more than once: the last
// arrival wins, unless gone says the ID was removed after it. The losers are returned as
// tombstones (nil when none) and left out of the tree's ID lookup.
func buildTreeDedup(st *staged, gone map[[16]byte]int) (*tree, []uint64) {
	t, arrival := buildTree(st)
	var dead []uint64
	kill := func(p uint32) {
		if dead == nil {
			dead = make([]uint64, (t.len()+63)/64)
		}
		dead[p/64] |= 1 << (p % 64)
	}
	ids := t.byID
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && t.ids[ids[j]] == t.ids[ids[i]] {
			j++
		}
		win := ids[i]
		for _, p := range ids[i+1 : j] {
			if arrival[p] > arrival[win] {
				kill(win)
				win = p
			} else {
				kill(p)
			}
		}
		if at, ok := gone[t.ids[win]]; ok && at > int(arrival[win]) {
			kill(win)
		}
		i = j
	}
	if dead != nil {
		kept := ids[:0]
		for _, p := range ids {
			if dead[p/64]&(1<<(p%64)) == 0 {
				kept = append(kept, p)
			}
		}
		t.byID = kept
	}
	return t, dead
}

// Version returns the version the index was built or patched to.
func (ix *Index) Version() int64 { return ix.version }

// Len returns the number of indexed (visible) sites.
func (ix *Index) Len() int { return ix.base.len() - ix.ndead + ix.delta.len() }

func (ix *Index) isDead(p uint32) bool {
	return ix.dead != nil && ix.dead[p/64]&(1<<(p%64)) != 0
}

// Site returns the indexed site with the given ID, decoded afresh: the caller owns it (its
// strings share the index's immutable memory).
func (ix *Index) Site(id string) (*aidmap.Site, bool) {
	b, ok := parseID(id)
	if !ok {
		return nil, false
	}
	if p, ok := ix.delta.find(&b); ok {
		return ix.delta.site(p), true
	}
	if p, ok := ix.base.find(&b); ok && !ix.isDead(p) {
		return ix.base.site(p), true
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
	// The sites of the delta after the change, by ID: a changed site, a site of the current
	// delta (s nil, at position p), or removed.
	type source struct {
		s    *aidmap.Site
		p    uint32
		gone bool
	}
	next := make(map[[16]byte]source, ix.delta.len()+len(changed))
	if ix.delta != nil {
		for p, id := range ix.delta.ids {
			next[id] = source{p: uint32(p)}
		}
	}
	dead := ix.dead
	ndead := ix.ndead
	copied := false
	for i := range changed {
		s := &changed[i]
		id, ok := parseID(s.ID)
		if !ok {
			continue
		}
		if p, ok := ix.base.find(&id); ok && !ix.isDead(p) {
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
		next[id] = source{s: s, gone: !indexable(s)}
	}
	ids := make([][16]byte, 0, len(next))
	for id, src := range next {
		if !src.gone {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) }) // deterministic build order

	out := &Index{version: version}
	live := ix.base.len() - ndead
	var st *staged
	if len(ids) > max(minRebuild, live/rebuildFraction) {
		// The delta has grown: rebuild one tree of everything, into a fresh arena, so the
		// records of replaced sites do not accumulate.
		st = newStaged(live + len(ids))
		for p := range ix.base.pts {
			if dead == nil || dead[p/64]&(1<<(p%64)) == 0 {
				st.copyFrom(ix.base, uint32(p))
			}
		}
	} else {
		out.base, out.dead, out.ndead = ix.base, dead, ndead
		if len(ids) == 0 {
			out.computeBounds()
			return out
		}
		st = newStaged(len(ids))
	}
	for _, id := range ids {
		if src := next[id]; src.s != nil {
			st.add(src.s, id)
		} else {
			st.copyFrom(ix.delta, src.p)
		}
	}
	t, _ := buildTree(st)
	if out.base == nil {
		out.base = t
	} else {
		out.delta = t
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

// indexable reports whether s may be in the index: visible, and when confidential, in its
// public form.
func indexable(s *aidmap.Site) bool {
	return s.Visible() && (!s.Confidential || s.IsPublic())
}
