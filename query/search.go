package query

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// Result is the answer to a query: references to sites of the index, each with its distance
// in metres (0 for box listings), in the answer's order.
type Result struct {
	Hits []geo.Hit
	// Next is where the next page starts (Radius, Box); nil on the last page.
	Next *Cursor
	// Complete is false when Nearest stopped after reading MaxRead sites one by one: the
	// answer is then the nearest matching sites among those read.
	Complete bool
}

// RankScale turns a relevance score into metres of a rank key: key = distance - score×scale
// orders by relevance, then distance, since no radius exceeds MaxRadiusM.
const RankScale = 10 * MaxRadiusM

// ranked is a hit that passed a query, with its rank key (its distance when there is no text).
type ranked struct {
	geo.Hit
	key float64
}

// Nearest returns exactly the K nearest sites to (Lat, Lon) that match q, ordered by text
// relevance (when q has text) then distance, then ID. The index checks the filters it cannot
// prune by during its best-first search (geo.Filter.Match), so a rare combination is found
// however far away it is; Complete is false when the search stopped at MaxRead sites read.
// With text, the text index (textindex.go) names the sites that can match a rare word, and the
// answer is the nearest of them: exact and complete at any distance.
// q must be valid (Validate).
func Nearest(ix *geo.Index, q *Query) Result {
	hits, complete := AppendNearest(nil, ix, q)
	return Result{Hits: hits, Complete: complete}
}

// AppendNearest is Nearest appending to dst, for callers that reuse their slices: without
// filters beyond categories it allocates nothing.
func AppendNearest(dst []geo.Hit, ix *geo.Index, q *Query) (hits []geo.Hit, complete bool) {
	if q.plain() {
		return ix.AppendNearest(dst, q.Lat, q.Lon, q.K, geo.Filter{Categories: q.Categories}), true
	}
	return appendNearestMatching(dst, ix, q)
}

// nearestMatch is the state of one filtered Nearest, in one allocation.
type nearestMatch struct {
	m    Matcher
	s    aidmap.Site // each candidate, decoded into the same memory
	read int         // candidates checked (MaxRead)
}

func (n *nearestMatch) match(h geo.Hit) bool {
	n.read++
	h.DecodeSite(&n.s)
	_, ok := n.m.Match(&n.s)
	return ok
}

func appendNearestMatching(dst []geo.Hit, ix *geo.Index, q *Query) ([]geo.Hit, bool) {
	n := new(nearestMatch)
	n.m.init(q)
	f := n.m.indexFilter()
	if n.m.needsMatch() {
		f.MaxMatch = MaxRead
		f.Match = n.match
	}
	// (read == MaxRead also when the search ended exactly there: "may be incomplete".)
	if !n.m.ranks() {
		// Every hit matches (the index checked), in (distance, ID) order already.
		dst = ix.AppendNearest(dst, q.Lat, q.Lon, q.K, f)
		return dst, n.read < MaxRead
	}
	var (
		near     []geo.Hit
		complete bool
	)
	if base, delta, ok := textCandidates(ix, n.m.text, maxCandidates); ok {
		// Every site whose text matches is among these: the k nearest of them that match are
		// the answer, however far away, without reading the sites nearer than them.
		near = ix.AppendNearestAmong(nil, q.Lat, q.Lon, q.K, f, base, delta)
		complete = n.read < MaxRead || len(base)+len(delta) <= MaxRead
	} else {
		near = ix.Nearest(q.Lat, q.Lon, q.K, f)
		complete = n.read < MaxRead
	}
	matched := n.m.filterHits(nil, near)
	sortRanked(matched)
	return appendHits(dst, matched), complete
}

// Radius returns a page of the sites within RadiusM of (Lat, Lon) that match q and rank after
// q.After, ordered by text relevance then distance, then ID: at most K of them (every one
// when K is 0), with the cursor of the next page when more remain. q must be valid.
func Radius(ix *geo.Index, q *Query) Result {
	if q.plain() {
		hits := ix.Within(q.Lat, q.Lon, q.RadiusM, geo.Filter{Categories: q.Categories})
		if c := q.After; c != nil {
			i := sort.Search(len(hits), func(i int) bool {
				h := hits[i]
				return h.DistanceM > c.Distance || (h.DistanceM == c.Distance && h.ID() > c.ID)
			})
			hits = hits[i:]
		}
		var next *Cursor
		if q.K > 0 && len(hits) > q.K {
			hits = hits[:q.K]
			last := hits[q.K-1]
			next = &Cursor{Distance: last.DistanceM, ID: last.ID()}
		}
		return Result{Hits: hits, Next: next, Complete: true}
	}
	m := q.Matcher()
	f := m.indexFilter()
	textFilter(&f, ix, m.text)
	matched := m.filterHits(nil, ix.Within(q.Lat, q.Lon, q.RadiusM, f))
	if m.ranks() {
		sortRanked(matched) // else in (distance, ID) order already
	}
	if c := q.After; c != nil {
		i, _ := slices.BinarySearchFunc(matched, *c, func(r ranked, c Cursor) int {
			if r.key != c.Distance {
				return cmp.Compare(r.key, c.Distance)
			}
			if r.ID() <= c.ID {
				return -1
			}
			return 1
		})
		matched = matched[i:]
	}
	var next *Cursor
	if q.K > 0 && len(matched) > q.K {
		matched = matched[:q.K]
		last := matched[q.K-1]
		next = &Cursor{Distance: last.key, ID: last.ID()}
	}
	return Result{Hits: appendHits(nil, matched), Next: next, Complete: true}
}

// Box returns a page of the sites in BBox that match q, in ID order after q.After's ID: at
// most K of them, with the cursor of the next page when more remain. It reads the index a page
// at a time until K match. q must be valid, K above 0.
func Box(ix *geo.Index, q *Query) Result {
	after := ""
	if q.After != nil {
		after = q.After.ID
	}
	var (
		hits []geo.Hit
		more bool
	)
	if q.plain() {
		hits, more = ix.AppendInBBoxAfter(nil, q.BBox, geo.Filter{Categories: q.Categories}, after, q.K)
	} else {
		hits, more = boxMatching(ix, q, after)
	}
	res := Result{Hits: hits, Complete: true}
	if more && len(hits) > 0 {
		res.Next = &Cursor{ID: hits[len(hits)-1].ID()}
	}
	return res
}

func boxMatching(ix *geo.Index, q *Query, afterID string) ([]geo.Hit, bool) {
	m := q.Matcher()
	f := m.indexFilter()
	textFilter(&f, ix, m.text)
	var (
		out []geo.Hit
		s   aidmap.Site
	)
	page := max(4*q.K, 256)
	for {
		hits, more := ix.AppendInBBoxAfter(nil, q.BBox, f, afterID, page)
		for _, h := range hits {
			h.DecodeSite(&s)
			if _, ok := m.Match(&s); !ok {
				continue
			}
			if len(out) == q.K {
				return out, true
			}
			out = append(out, h)
		}
		if !more || len(hits) == 0 {
			return out, false
		}
		afterID = hits[len(hits)-1].ID()
	}
}

// BoxOffset returns the page of Box's listing (K sites after q.After's ID) that starts offset
// matches further on, and how many sites in BBox match in all, whatever the page: what OGC API
// - Features pages by (numberMatched, offset). q must be valid, K above 0.
func BoxOffset(ix *geo.Index, q *Query, offset int) (res Result, matched int) {
	after := ""
	if q.After != nil {
		after = q.After.ID
	}
	var (
		hits []geo.Hit
		more bool
	)
	if q.plain() {
		f := geo.Filter{Categories: q.Categories}
		ix.VisitBBox(q.BBox, f, func(geo.Hit) { matched++ })
		offset = min(offset, matched) // past the end is an empty page, and no huge heap
		hits, more = ix.AppendInBBoxAfter(nil, q.BBox, f, after, offset+q.K)
		hits = hits[min(offset, len(hits)):]
	} else {
		// The index cannot page by these filters: filter the box, then page in memory.
		all := InBox(ix, q)
		matched = len(all)
		start := offset
		if after != "" {
			start = sort.Search(len(all), func(i int) bool { return all[i].ID() > after })
		}
		start = min(start, len(all))
		end := min(start+q.K, len(all))
		hits, more = all[start:end], end < len(all)
	}
	res = Result{Hits: hits, Complete: true}
	if more && len(hits) > 0 {
		res.Next = &Cursor{ID: hits[len(hits)-1].ID()}
	}
	return res, matched
}

// InBox returns every site in BBox that matches q, in ID order (K and After are not read).
func InBox(ix *geo.Index, q *Query) []geo.Hit {
	if q.plain() {
		return ix.InBBox(q.BBox, geo.Filter{Categories: q.Categories})
	}
	m := q.Matcher()
	f := m.indexFilter()
	textFilter(&f, ix, m.text)
	hits := ix.InBBox(q.BBox, f)
	if !m.needsMatch() {
		return hits
	}
	var s aidmap.Site
	return slices.DeleteFunc(hits, func(h geo.Hit) bool {
		h.DecodeSite(&s)
		_, ok := m.Match(&s)
		return !ok
	})
}

// Visit calls fn with every site in BBox that matches q, in no particular order (K and After
// are not read): a full export streams this way without holding the list.
func Visit(ix *geo.Index, q *Query, fn func(geo.Hit)) {
	if q.plain() {
		ix.VisitBBox(q.BBox, geo.Filter{Categories: q.Categories}, fn)
		return
	}
	m := q.Matcher()
	if !m.needsMatch() {
		ix.VisitBBox(q.BBox, m.indexFilter(), fn)
		return
	}
	var s aidmap.Site
	f := m.indexFilter()
	textFilter(&f, ix, m.text)
	ix.VisitBBox(q.BBox, f, func(h geo.Hit) {
		h.DecodeSite(&s)
		if _, ok := m.Match(&s); ok {
			fn(h)
		}
	})
}

// filterHits appends to dst the hits that pass m, keyed for ranking. It decodes each site
// into one reused Site: most sites of a text query are read only to be rejected.
func (m *Matcher) filterHits(dst []ranked, hits []geo.Hit) []ranked {
	var s aidmap.Site
	for _, h := range hits {
		h.DecodeSite(&s)
		if score, ok := m.Match(&s); ok {
			dst = append(dst, ranked{h, h.DistanceM - float64(score)*RankScale})
		}
	}
	return dst
}

// sortRanked orders by rank key, then ID, the order of a page and of its cursor.
func sortRanked(rs []ranked) {
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.ID(), b.ID())) })
}

func appendHits(dst []geo.Hit, rs []ranked) []geo.Hit {
	dst = slices.Grow(dst, len(rs))
	for _, r := range rs {
		dst = append(dst, r.Hit)
	}
	return dst
}
