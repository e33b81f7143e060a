package geo

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"sync"

	"github.com/aidmap/aidmap"
)

// ref names a node or a point of one of an index's two trees.
type ref uint32

const (
	refDelta ref = 1 << 31 // in the delta tree, else the base tree
	refIndex ref = refDelta - 1
)

// cand is a candidate result: a point and its squared chord distance to the query.
type cand struct {
	d2 float64
	r  ref
}

// idCand is a candidate of a bounding-box query: a point and its ID as two big-endian words.
type idCand struct {
	hi, lo uint64
	r      ref
}

func (a *idCand) less(b *idCand) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

// scratch is the per-query working memory, pooled so queries do not allocate.
type scratch struct {
	queue  []cand // min-heap of nodes by box distance
	best   []cand // max-heap of the nearest points so far
	cands  []cand
	counts []int32
	ids    []idCand
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (ix *Index) tree(r ref) *tree {
	if r&refDelta != 0 {
		return ix.delta
	}
	return ix.base
}

// slack widens a squared chord limit just enough that whether a site near the limit is a
// result is decided in metres (aidmap.ChordToMetres, then by ID) and never by the rounding of
// a chord, a node box or the limit itself (all about 1e-16 relative).
func slack(d2 float64) float64 {
	c := math.Sqrt(d2)*(1+1e-9) + 1e-14 // 1e-14 of the Earth's radius is 64 nm
	return c * c
}

// chord2 returns the squared chord distance for a great-circle distance in metres.
func chord2(m float64) float64 {
	θ := m / aidmap.EarthRadiusM
	if θ >= math.Pi {
		return 4
	}
	c := 2 * math.Sin(θ/2)
	return c * c
}

// Nearest returns the k sites nearest to (lat, lon) that match f, in ascending distance, ties
// by ID. It returns fewer when fewer match.
func (ix *Index) Nearest(lat, lon float64, k int, f Filter) []Hit {
	if k <= 0 {
		return nil
	}
	return ix.AppendNearest(make([]Hit, 0, min(k, ix.Len())), lat, lon, k, f)
}

// nearest is the state of one nearest search.
type nearest struct {
	ix         *Index
	qx, qy, qz float64
	k          int
	f          Filter
	best       []cand  // max-heap by d2 of the k nearest so far
	spare      []cand  // points within slack of the bound that are not in best
	limit      float64 // squared chord beyond which nothing can be a result
}

// AppendNearest is Nearest appending to dst, so a caller reusing dst does not allocate.
//
// It is a best-first search: a priority queue holds nodes by the distance to their box, and a
// max-heap holds the k nearest points found so far. The k-th distance bounds the search: a node
// farther than it cannot hold a result, and the search ends when the nearest unexplored node is.
// Points within rounding slack of the bound are kept aside, so that ties are decided in metres
// and then by ID exactly as a linear scan would. (A depth-first branch-and-bound visiting
// children nearest first was measured slower: it visits 3.5 times the leaves; see
// BENCHMARKS-geo.md.)
func (ix *Index) AppendNearest(dst []Hit, lat, lon float64, k int, f Filter) []Hit {
	if k <= 0 || ix.Len() == 0 || math.IsNaN(lat) || math.IsNaN(lon) {
		return dst
	}
	f.compile()
	sc := scratchPool.Get().(*scratch)
	s := nearest{ix: ix, k: k, f: f, best: sc.best[:0], spare: sc.cands[:0], limit: math.Inf(1)}
	s.qx, s.qy, s.qz = aidmap.UnitVector(lat, lon)
	sc.queue = s.bestFirst(sc.queue[:0])
	// Candidates: best, and the spares still within slack of the final bound.
	cands := s.best
	for _, c := range s.spare {
		if c.d2 <= s.limit {
			cands = append(cands, c)
		}
	}
	start := len(dst)
	dst, sc.counts = ix.appendSorted(dst, cands, sc.counts, math.Inf(1))
	if len(dst)-start > k {
		clear(dst[start+k:])
		dst = dst[:start+k]
	}
	sc.best, sc.cands = cands, s.spare
	scratchPool.Put(sc)
	return dst
}

// bestFirst runs the search best first: a min-heap q of nodes by box distance, popped until
// the nearest unexplored node is beyond the bound. It returns q for reuse.
func (s *nearest) bestFirst(q []cand) []cand {
	ix := s.ix
	// First a bound: down the base tree to the leaf nearest the query, child by child, and its
	// points read; the other children met on the way are the search's first candidates, and
	// only those within that bound go on the heap. Without it, every child of every node
	// popped before the first leaf went on the heap: 170 pushes for 16.6 pops a query on 1M
	// sites (93 with the bound).
	if t := ix.base; t.len() > 0 && s.f.match(t.nodes[t.root()].cats) {
		q = s.descend(t, q)
		n := 0
		for _, c := range q {
			if c.d2 <= s.limit {
				q[n] = c
				n++
			}
		}
		q = q[:n]
		heapInit(q)
	}
	if t := ix.delta; t.len() > 0 && s.f.match(t.nodes[t.root()].cats) {
		q = heapPush(q, cand{0, refDelta | ref(t.root())})
	}
	for len(q) > 0 && !s.f.stopped {
		var e cand
		e, q = heapPop(q)
		if e.d2 > s.limit {
			break
		}
		tag := e.r & refDelta
		t := ix.tree(e.r)
		n := uint32(e.r & refIndex)
		first, end := t.nodes[n].children()
		if n < t.nleaves {
			s.leaf(t, tag, first, end)
			continue
		}
		// Locals: the compiler cannot tell that heap writes leave s alone.
		qx, qy, qz, limit, f := s.qx, s.qy, s.qz, s.limit, &s.f
		for c := first; c < end; c++ {
			cn := &t.nodes[c]
			if !f.match(cn.cats) {
				continue
			}
			if d2 := cn.boxDist2(qx, qy, qz); d2 <= limit {
				q = heapPush(q, cand{d2, tag | ref(c)})
			}
		}
	}
	return q
}

// descend goes down the base tree t from the root, always to the matching child whose box is
// nearest the query, and reads the points of the leaf it reaches. It appends the other
// matching children met on the way to q, with their distances, unordered.
func (s *nearest) descend(t *tree, q []cand) []cand {
	n := t.root()
	qx, qy, qz, f := s.qx, s.qy, s.qz, &s.f
	for n >= t.nleaves {
		first, end := t.nodes[n].children()
		next, nextD2 := uint32(0), math.Inf(1)
		for c := first; c < end; c++ {
			cn := &t.nodes[c]
			if !f.match(cn.cats) {
				continue
			}
			d2 := cn.boxDist2(qx, qy, qz)
			if d2 < nextD2 {
				if !math.IsInf(nextD2, 1) {
					q = append(q, cand{nextD2, ref(next)})
				}
				next, nextD2 = c, d2
			} else {
				q = append(q, cand{d2, ref(c)})
			}
		}
		if math.IsInf(nextD2, 1) {
			return q // no child matches
		}
		n = next
	}
	first, end := t.nodes[n].children()
	s.leaf(t, 0, first, end)
	return q
}

// heapInit makes q a binary min-heap by d2.
func heapInit(q []cand) {
	for i := len(q)/2 - 1; i >= 0; i-- {
		e := q[i]
		j := i
		for {
			c := 2*j + 1
			if c >= len(q) {
				break
			}
			if c+1 < len(q) && q[c+1].d2 < q[c].d2 {
				c++
			}
			if e.d2 <= q[c].d2 {
				break
			}
			q[j] = q[c]
			j = c
		}
		q[j] = e
	}
}

// heapPush and heapPop keep q a binary min-heap by d2.
func heapPush(q []cand, e cand) []cand {
	q = append(q, e)
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if q[p].d2 <= e.d2 {
			break
		}
		q[i] = q[p]
		i = p
	}
	q[i] = e
	return q
}

func heapPop(q []cand) (cand, []cand) {
	top := q[0]
	n := len(q) - 1
	last := q[n]
	q = q[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && q[c+1].d2 < q[c].d2 {
			c++
		}
		if last.d2 <= q[c].d2 {
			break
		}
		q[i] = q[c]
		i = c
	}
	if n > 0 {
		q[i] = last
	}
	return top, q
}

func (s *nearest) leaf(t *tree, tag ref, first, end uint32) {
	checkDead := tag == 0 && s.ix.dead != nil
	qx, qy, qz, limit, f, best := s.qx, s.qy, s.qz, s.limit, &s.f, s.best
	for p := first; p < end; p++ {
		pt := &t.pts[p]
		if !f.match(pt.cats) || checkDead && s.ix.isDead(p) {
			continue
		}
		d2 := aidmap.SquaredChord(qx, qy, qz, pt.x, pt.y, pt.z)
		switch c := (cand{d2, tag | ref(p)}); {
		case d2 > limit:
		case !f.accept(t, p):
		case len(best) < s.k:
			best = candPush(best, c)
			if len(best) == s.k {
				limit = slack(best[0].d2)
			}
		case d2 < best[0].d2:
			s.spare = append(s.spare, best[0])
			best[0] = c
			candFix(best)
			limit = slack(best[0].d2)
		default:
			s.spare = append(s.spare, c)
		}
	}
	s.limit, s.best = limit, best
}

// appendSorted appends the hits of cands within maxM metres to dst in (distance, ID) order.
// It overwrites cands' d2 with distances in metres; counts is scratch, returned for reuse.
//
// It is a bucket sort on the squared distance, which is about uniform for points spread over
// an area (a comparison sort of 300 results cost more than finding them): n buckets over
// [0, max d²], each then sorted by (distance, ID), mostly holding zero to two hits. The bucket
// is a non-decreasing function of the distance in metres, so the order is exact whatever the
// spread; clustered input only makes some buckets larger, and they are sorted by pdqsort.
func (ix *Index) appendSorted(dst []Hit, cands []cand, counts []int32, maxM float64) ([]Hit, []int32) {
	// Distances, dropping those beyond maxM.
	n := 0
	dmax := 0.0
	for _, c := range cands {
		d := aidmap.ChordToMetres(c.d2)
		if d > maxM {
			continue
		}
		cands[n] = cand{d, c.r}
		n++
		if d > dmax { // not the max builtin: its NaN rules cost a dozen instructions
			dmax = d
		}
	}
	if n == 0 {
		return dst, counts
	}
	cands = cands[:n]
	counts = slices.Grow(counts[:0], n+1)[:n+1]
	clear(counts)
	scale := 0.0 // bucket = d² · scale; all in bucket 0 when every distance is 0
	if dmax > 0 {
		scale = float64(n) / (dmax * dmax)
	}
	bucket := func(d float64) int { return min(int(d*d*scale), n-1) }
	for _, c := range cands {
		counts[bucket(c.d2)+1]++
	}
	largest := int32(0)
	for _, k := range counts {
		largest = max(largest, k)
	}
	for b := 1; b <= n; b++ {
		counts[b] += counts[b-1]
	}
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	out := dst[start:]
	// counts[b] is the next slot of bucket b; after the scatter it is bucket b's end, and
	// bucket b+1 begins there.
	for _, c := range cands {
		b := bucket(c.d2)
		out[counts[b]] = Hit{DistanceM: c.d2, t: ix.tree(c.r), p: uint32(c.r & refIndex)}
		counts[b]++
	}
	if largest <= 16 {
		// Every bucket is small: one insertion pass over all of them costs the same as one
		// per bucket, without the loop over buckets.
		insertionSortHits(out)
		return dst, counts
	}
	lo := 0
	for b := range n {
		hi := int(counts[b])
		switch run := out[lo:hi]; {
		case len(run) < 2:
		case len(run) <= 12:
			insertionSortHits(run)
		default:
			slices.SortFunc(run, func(a, b Hit) int {
				if hitLess(&a, &b) {
					return -1
				}
				if hitLess(&b, &a) {
					return 1
				}
				return 0
			})
		}
		lo = hi
	}
	return dst, counts
}

// Within returns the sites within radiusM metres of (lat, lon) that match f, in ascending
// distance, ties by ID.
func (ix *Index) Within(lat, lon, radiusM float64, f Filter) []Hit {
	return ix.AppendWithin(nil, lat, lon, radiusM, f)
}

// within is the state of one radius search.
type within struct {
	ix         *Index
	qx, qy, qz float64
	f          Filter
	limit      float64
	cands      []cand
}

// AppendWithin is Within appending to dst, so a caller reusing dst does not allocate.
func (ix *Index) AppendWithin(dst []Hit, lat, lon, radiusM float64, f Filter) []Hit {
	if !(radiusM >= 0) || ix.Len() == 0 || math.IsNaN(lat) || math.IsNaN(lon) {
		return dst
	}
	f.compile()
	sc := scratchPool.Get().(*scratch)
	w := within{ix: ix, f: f, limit: slack(chord2(radiusM)), cands: sc.cands[:0]}
	w.qx, w.qy, w.qz = aidmap.UnitVector(lat, lon)
	if t := ix.base; t.len() > 0 {
		w.visit(t, 0, t.root())
	}
	if t := ix.delta; t.len() > 0 {
		w.visit(t, refDelta, t.root())
	}
	dst, sc.counts = ix.appendSorted(dst, w.cands, sc.counts, radiusM)
	sc.cands = w.cands
	scratchPool.Put(sc)
	return dst
}

func (w *within) visit(t *tree, tag ref, n uint32) {
	nd := &t.nodes[n]
	if !w.f.match(nd.cats) || nd.boxDist2(w.qx, w.qy, w.qz) > w.limit {
		return
	}
	first, end := nd.children()
	if n >= t.nleaves {
		for c := first; c < end; c++ {
			w.visit(t, tag, c)
		}
		return
	}
	checkDead := tag == 0 && w.ix.dead != nil
	qx, qy, qz, limit, f, cands := w.qx, w.qy, w.qz, w.limit, &w.f, w.cands
	for p := first; p < end; p++ {
		pt := &t.pts[p]
		if !f.match(pt.cats) || checkDead && w.ix.isDead(p) {
			continue
		}
		if d2 := aidmap.SquaredChord(qx, qy, qz, pt.x, pt.y, pt.z); d2 <= limit && f.accept(t, p) {
			cands = append(cands, cand{d2, tag | ref(p)})
		}
	}
	w.cands = cands
}

// insertionSortHits orders a few hits by (DistanceM, ID).
func insertionSortHits(h []Hit) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && hitLess(&h[j], &h[j-1]); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

func hitLess(a, b *Hit) bool {
	if a.DistanceM != b.DistanceM {
		return a.DistanceM < b.DistanceM
	}
	return idLess(&a.t.ids[a.p], &b.t.ids[b.p])
}

// InBBox returns the sites whose indexed point is in b (edges included) and that match f,
// ordered by site ID, with DistanceM 0.
func (ix *Index) InBBox(b BBox, f Filter) []Hit {
	return ix.AppendInBBox(nil, b, f)
}

// AppendInBBox is InBBox appending to dst.
func (ix *Index) AppendInBBox(dst []Hit, b BBox, f Filter) []Hit {
	sc := scratchPool.Get().(*scratch)
	ids := sc.ids[:0]
	ix.scanBBox(b, f, func(c idCand) { ids = append(ids, c) })
	slices.SortFunc(ids, func(a, b idCand) int { return cmp.Or(cmp.Compare(a.hi, b.hi), cmp.Compare(a.lo, b.lo)) })
	for _, c := range ids {
		dst = append(dst, Hit{t: ix.tree(c.r), p: uint32(c.r & refIndex)})
	}
	sc.ids = ids
	scratchPool.Put(sc)
	return dst
}

// AppendInBBoxAfter appends to dst, in ID order, the first limit sites of InBBox(b, f) whose ID
// is greater than afterID ("" for the first page), and reports whether more remain: a page of a
// listing by ID. It keeps only the best limit candidates (a bounded max-heap by ID) while it
// scans the box, so a page costs O(n log limit) for n sites in the box and allocates nothing
// beyond dst.
func (ix *Index) AppendInBBoxAfter(dst []Hit, b BBox, f Filter, afterID string, limit int) (hits []Hit, more bool) {
	after, canonical := parseID(afterID)
	ah, al := binary.BigEndian.Uint64(after[:8]), binary.BigEndian.Uint64(after[8:])
	sc := scratchPool.Get().(*scratch)
	heap := sc.ids[:0] // max-heap by ID of the limit smallest IDs after afterID
	ix.scanBBox(b, f, func(c idCand) {
		if canonical {
			if c.hi < ah || c.hi == ah && c.lo <= al {
				return
			}
		} else if afterID != "" {
			var id [16]byte
			binary.BigEndian.PutUint64(id[:8], c.hi)
			binary.BigEndian.PutUint64(id[8:], c.lo)
			if compareIDText(&id, afterID) <= 0 {
				return
			}
		}
		switch {
		case len(heap) < limit:
			heap = idPush(heap, c)
		case limit > 0 && c.less(&heap[0]):
			heap[0] = c
			idFix(heap, 0)
			more = true
		default:
			more = true
		}
	})
	// Heap sort: pop the largest to the end until the heap is empty.
	for n := len(heap) - 1; n > 0; n-- {
		heap[0], heap[n] = heap[n], heap[0]
		idFix(heap[:n], 0)
	}
	for _, c := range heap {
		dst = append(dst, Hit{t: ix.tree(c.r), p: uint32(c.r & refIndex)})
	}
	sc.ids = heap
	scratchPool.Put(sc)
	return dst, more
}

// scanBBox calls fn with every live point in b that matches f, in no particular order.
func (ix *Index) scanBBox(b BBox, f Filter, fn func(idCand)) {
	if !(b.MinLat <= b.MaxLat) || math.IsNaN(b.MinLon) || math.IsNaN(b.MaxLon) {
		return
	}
	f.compile()
	boxes := [2]llbox{{b.MinLat, b.MinLon, b.MaxLat, b.MaxLon}}
	nbox := 1
	if b.MinLon > b.MaxLon {
		// Across the antimeridian: two disjoint boxes.
		boxes = [2]llbox{{b.MinLat, b.MinLon, b.MaxLat, 180}, {b.MinLat, -180, b.MaxLat, b.MaxLon}}
		nbox = 2
	}
	for _, bb := range boxes[:nbox] {
		if t := ix.base; t.len() > 0 {
			ix.visitBox(t, 0, t.root(), &bb, &f, fn)
		}
		if t := ix.delta; t.len() > 0 {
			ix.visitBox(t, refDelta, t.root(), &bb, &f, fn)
		}
	}
}

func (ix *Index) visitBox(t *tree, tag ref, n uint32, b *llbox, f *Filter, fn func(idCand)) {
	nd, nb := &t.nodes[n], &t.boxes[n]
	if !f.match(nd.cats) || nb.minLat > b.maxLat || nb.maxLat < b.minLat || nb.minLon > b.maxLon || nb.maxLon < b.minLon {
		return
	}
	first, end := nd.children()
	if n >= t.nleaves {
		for c := first; c < end; c++ {
			ix.visitBox(t, tag, c, b, f, fn)
		}
		return
	}
	for p := first; p < end; p++ {
		ll := &t.ll[p]
		if ll[0] < b.minLat || ll[0] > b.maxLat || ll[1] < b.minLon || ll[1] > b.maxLon ||
			!f.match(t.pts[p].cats) || tag == 0 && ix.isDead(p) || !f.accept(t, p) {
			continue
		}
		id := &t.ids[p]
		fn(idCand{binary.BigEndian.Uint64(id[:8]), binary.BigEndian.Uint64(id[8:]), tag | ref(p)})
	}
}

// idPush and idFix keep h a binary max-heap by ID.
func idPush(h []idCand, v idCand) []idCand {
	h = append(h, v)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[p].less(&v) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = v
	return h
}

// idFix restores h after h[i] decreased.
func idFix(h []idCand, i int) {
	v := h[i]
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c].less(&h[c+1]) {
			c++
		}
		if !v.less(&h[c]) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = v
}

// candPush and candFix keep h a binary max-heap by d2.
func candPush(h []cand, v cand) []cand {
	h = append(h, v)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d2 >= v.d2 {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = v
	return h
}

// candFix restores h after h[0] decreased.
func candFix(h []cand) {
	v := h[0]
	i, n := 0, len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].d2 > h[c].d2 {
			c++
		}
		if v.d2 >= h[c].d2 {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = v
}
