package geo

import (
	"math"

	"github.com/aidmap/aidmap"
)

// Part is one of the two trees an Index is made of: its base (built at start-up or at the last
// rebuild) or its delta (the sites changed since; see Index). A part never changes and is
// shared by every snapshot Apply derives while it lasts, so data derived from its sites, such
// as query's text index, is kept on the part (Memo): built once per part, not per snapshot,
// and collected with it. Positions 0 to Len()-1 name its sites; in a given snapshot a base
// position may be a tombstone, which AppendNearestAmong skips.
type Part struct{ t *tree }

// Base returns the base part of ix.
func (ix *Index) Base() Part { return Part{ix.base} }

// Delta returns the delta part of ix; it is empty (Len 0) when nothing changed since the base
// was built.
func (ix *Index) Delta() Part { return Part{ix.delta} }

// Len returns the number of positions of p, tombstones included.
func (p Part) Len() int { return p.t.len() }

// Hit returns a Hit (distance 0) of the site at position i of p, to decode it.
func (p Part) Hit(i uint32) Hit { return Hit{t: p.t, p: i} }

// Position returns the position of h's site in p, and false when h is not of p.
func (p Part) Position(h Hit) (uint32, bool) {
	if h.t == nil || h.t != p.t {
		return 0, false
	}
	return h.p, true
}

// Memo returns the value kept on p under key, storing newValue() first when there is none. It
// is safe for concurrent use; newValue may be called and its result dropped when two callers
// race. On an empty part it keeps nothing and returns newValue().
func (p Part) Memo(key any, newValue func() any) any {
	if p.t == nil {
		return newValue()
	}
	if v, ok := p.t.memo.Load(key); ok {
		return v
	}
	v, _ := p.t.memo.LoadOrStore(key, newValue())
	return v
}

// AppendNearestAmong is AppendNearest over the sites at the given positions of ix's base and
// delta only: the k nearest of them that match f, in (distance, ID) order, exactly the answer
// AppendNearest gives when f.Match rejects every other site. A caller that knows a small
// superset of the sites its Match accepts (query's text index) gets that answer in time
// proportional to the set, however far away its sites are, where the tree search would read
// every site nearer than them.
//
// It measures every given site (no tree, no decoding), then calls f.Match from the nearest
// on, and only until k match and the rest are farther: ties are decided in metres and then by
// ID as AppendNearest decides them. f.MaxMatch bounds the Match calls as it does there.
// Positions must be below each part's Len; base tombstones and repeated positions are skipped
// as the tree search skips them.
func (ix *Index) AppendNearestAmong(dst []Hit, lat, lon float64, k int, f Filter, base, delta []uint32) []Hit {
	if k <= 0 || math.IsNaN(lat) || math.IsNaN(lon) {
		return dst
	}
	f.compile()
	sc := scratchPool.Get().(*scratch)
	qx, qy, qz := aidmap.UnitVector(lat, lon)
	q := sc.queue[:0]
	for _, part := range [2]struct {
		t   *tree
		tag ref
		ps  []uint32
	}{{ix.base, 0, base}, {ix.delta, refDelta, delta}} {
		t := part.t
		if t.len() == 0 {
			continue
		}
		checkDead := part.tag == 0 && ix.dead != nil
		prev := int64(-1)
		for _, p := range part.ps {
			if int64(p) == prev {
				continue // a repeated position (callers pass sorted lists)
			}
			prev = int64(p)
			pt := &t.pts[p]
			if !f.match(pt.cats) || checkDead && ix.isDead(p) {
				continue
			}
			q = append(q, cand{aidmap.SquaredChord(qx, qy, qz, pt.x, pt.y, pt.z), part.tag | ref(p)})
		}
	}
	// Nearest first: every site accepted until k are, then those within slack of the k-th
	// (they may tie it in metres), as the tree search keeps them.
	heapInit(q)
	accepted := sc.cands[:0]
	limit := math.Inf(1)
	for len(q) > 0 && !f.stopped {
		var c cand
		c, q = heapPop(q)
		if c.d2 > limit {
			break
		}
		if !f.accept(ix.tree(c.r), uint32(c.r&refIndex)) {
			continue
		}
		accepted = append(accepted, c)
		if len(accepted) == k {
			limit = slack(c.d2) // popped in ascending order: c is the k-th nearest
		}
	}
	start := len(dst)
	dst, sc.counts = ix.appendSorted(dst, accepted, sc.counts, math.Inf(1))
	if len(dst)-start > k {
		clear(dst[start+k:])
		dst = dst[:start+k]
	}
	sc.queue, sc.cands = q, accepted
	scratchPool.Put(sc)
	return dst
}
