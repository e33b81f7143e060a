package geo

import (
	"cmp"
	"math"

	"slices"
	"strings"
	"sync"
)

// ref names a node or a point of one of an index's two trees in a search queue.
type ref uint32

const (
	refDelta ref = 1 << 31 // in the delta tree, else the base tree
	refPoint ref = 1 << 30 // a point, else a node
	refIndex ref = refPoint - 1
)

// entry is a search queue entry: a node with the lower bound of its squared chord distance.
type entry struct {
	d2 float64
	r  ref
}

// cand is a candidate result.
type cand struct {
	d2 float64
	r  ref
}

// scratch is the per-query working memory, pooled so queries do not allocate.
type scratch struct {
	queue []entry // min-heap of nodes by d2
	best  []cand  // max-heap of the nearest points so far
	cands []cand
	stack []ref
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (ix *Index) tree(r ref) *tree {
	if r&refDelta != 0 {
		return ix.delta
	}
	return ix.base
}

// trees calls fn with each non-empty tree and its ref tag.
func (ix *Index) roots(fn func(t *tree, tag ref)) {
	if ix.base.len() > 0 {
		fn(ix.base, 0)
	}
	if ix.delta.len() > 0 {
		fn(ix.delta, refDelta)
	}
}

// Nearest returns the k sites nearest to (lat, lon) that match f, in ascending distance, ties
// by ID. It returns fewer when fewer match.
func (ix *Index) Nearest(lat, lon float64, k int, f Filter) []Hit {
	if k <= 0 {
		return nil
	}
	return ix.AppendNearest(make([]Hit, 0, min(k, ix.Len())), lat, lon, k, f)
}

// AppendNearest is Nearest appending to dst, so a caller reusing dst does not allocate.
//
// It is a best-first search: a priority queue holds nodes by the distance to their box, and a
// max-heap holds the k nearest points found so far. The k-th distance bounds the search: a node
// farther than it cannot hold a result, and the search ends when the nearest unexplored node is.
// Points within rounding slack of the bound are kept aside, so that ties are decided in metres
// and then by ID exactly as a linear scan would.
func (ix *Index) AppendNearest(dst []Hit, lat, lon float64, k int, f Filter) []Hit {
	if k <= 0 || ix.Len() == 0 || math.IsNaN(lat) || math.IsNaN(lon) {
		return dst
	}
	qx, qy, qz := unit(lat, lon)
	sc := scratchPool.Get().(*scratch)
	q := sc.queue[:0]
	best := sc.best[:0]   // max-heap by d2 of the k nearest so far
	spare := sc.cands[:0] // points within slack of the bound that are not in best
	limit := math.Inf(1)  // squared chord beyond which nothing can be a result

	ix.roots(func(t *tree, tag ref) {
		r := t.root()
		if nd := &t.nodes[r]; f.match(nd.cats) {
			q = heapPush(q, entry{nd.boxDist2(qx, qy, qz), tag | ref(r)})
		}
	})
	for len(q) > 0 {
		var e entry
		e, q = heapPop(q)
		if e.d2 > limit {
			break
		}
		tag := e.r & refDelta
		t := ix.tree(e.r)
		nd := &t.nodes[e.r&refIndex]
		if !nd.leaf {
			for c := nd.first; c < nd.end; c++ {
				ch := &t.nodes[c]
				if !f.match(ch.cats) {
					continue
				}
				if d2 := ch.boxDist2(qx, qy, qz); d2 <= limit {
					q = heapPush(q, entry{d2, tag | ref(c)})
				}
			}
			continue
		}
		checkDead := tag == 0 && ix.dead != nil
		for p := nd.first; p < nd.end; p++ {
			pt := &t.pts[p]
			if !f.match(pt.cats) || checkDead && ix.isDead(p) {
				continue
			}
			dx, dy, dz := pt.x-qx, pt.y-qy, pt.z-qz
			d2 := dx*dx + dy*dy + dz*dz
			switch c := (cand{d2, tag | ref(p)}); {
			case d2 > limit:
			case len(best) < k:
				best = candPush(best, c)
				if len(best) == k {
					limit = slack(best[0].d2)
				}
			case d2 < best[0].d2:
				spare = append(spare, best[0])
				best[0] = c
				candFix(best)
				limit = slack(best[0].d2)
			default:
				spare = append(spare, c)
			}
		}
	}
	// Candidates: best, and the spares still within slack of the final bound.
	for _, c := range spare {
		if c.d2 <= limit {
			best = append(best, c)
		}
	}
	slices.SortFunc(best, func(a, b cand) int { return cmp.Compare(a.d2, b.d2) })
	start := len(dst)
	cosLat := math.Cos(lat * rad)
	for _, c := range best {
		t := ix.tree(c.r)
		p := c.r & refIndex
		dst = append(dst, Hit{Site: t.sites[p], DistanceM: distanceM(lat, lon, cosLat, &t.ll[p])})
	}
	sortHits(dst[start:])
	if len(dst)-start > k {
		clear(dst[start+k:])
		dst = dst[:start+k]
	}
	sc.queue, sc.best, sc.cands = q, best, spare
	scratchPool.Put(sc)
	return dst
}

// Within returns the sites within radiusM metres of (lat, lon) that match f, in ascending
// distance, ties by ID.
func (ix *Index) Within(lat, lon, radiusM float64, f Filter) []Hit {
	return ix.AppendWithin(nil, lat, lon, radiusM, f)
}

// AppendWithin is Within appending to dst, so a caller reusing dst does not allocate.
func (ix *Index) AppendWithin(dst []Hit, lat, lon, radiusM float64, f Filter) []Hit {
	if !(radiusM >= 0) || ix.Len() == 0 || math.IsNaN(lat) || math.IsNaN(lon) {
		return dst
	}
	qx, qy, qz := unit(lat, lon)
	limit := slack(chord2(radiusM))
	sc := scratchPool.Get().(*scratch)
	stack := sc.stack[:0]
	cands := sc.cands[:0]
	ix.roots(func(t *tree, tag ref) { stack = append(stack, tag|ref(t.root())) })
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		tag := r & refDelta
		t := ix.tree(r)
		nd := &t.nodes[r&refIndex]
		if !f.match(nd.cats) || nd.boxDist2(qx, qy, qz) > limit {
			continue
		}
		if !nd.leaf {
			for c := nd.first; c < nd.end; c++ {
				stack = append(stack, tag|ref(c))
			}
			continue
		}
		checkDead := tag == 0 && ix.dead != nil
		for p := nd.first; p < nd.end; p++ {
			pt := &t.pts[p]
			if !f.match(pt.cats) || checkDead && ix.isDead(p) {
				continue
			}
			dx, dy, dz := pt.x-qx, pt.y-qy, pt.z-qz
			if d2 := dx*dx + dy*dy + dz*dz; d2 <= limit {
				cands = append(cands, cand{d2, tag | ref(p)})
			}
		}
	}
	// Sort the small, pointer-free candidates by chord, then fix up ties in metres and ID.
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.d2, b.d2) })
	start := len(dst)
	cosLat := math.Cos(lat * rad)
	for _, c := range cands {
		t := ix.tree(c.r)
		p := c.r & refIndex
		if d := distanceM(lat, lon, cosLat, &t.ll[p]); d <= radiusM {
			dst = append(dst, Hit{Site: t.sites[p], DistanceM: d})
		}
	}
	sortHits(dst[start:])
	sc.stack, sc.cands = stack, cands
	scratchPool.Put(sc)
	return dst
}

// sortHits orders hits by (DistanceM, ID). They come in squared chord order, which is
// distance order up to rounding, so an insertion sort does it in about one pass.
func sortHits(h []Hit) {
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
	return a.Site.ID < b.Site.ID
}

// InBBox returns the sites whose indexed point is in b (edges included) and that match f,
// ordered by site ID, with DistanceM 0.
func (ix *Index) InBBox(b BBox, f Filter) []Hit {
	return ix.AppendInBBox(nil, b, f)
}

// AppendInBBox is InBBox appending to dst.
func (ix *Index) AppendInBBox(dst []Hit, b BBox, f Filter) []Hit {
	if !(b.MinLat <= b.MaxLat) || math.IsNaN(b.MinLon) || math.IsNaN(b.MaxLon) {
		return dst
	}
	start := len(dst)
	if b.MinLon <= b.MaxLon {
		dst = ix.appendBox(dst, llbox{b.MinLat, b.MinLon, b.MaxLat, b.MaxLon}, f)
	} else {
		// Across the antimeridian: two disjoint boxes.
		dst = ix.appendBox(dst, llbox{b.MinLat, b.MinLon, b.MaxLat, 180}, f)
		dst = ix.appendBox(dst, llbox{b.MinLat, -180, b.MaxLat, b.MaxLon}, f)
	}
	slices.SortFunc(dst[start:], func(a, b Hit) int { return strings.Compare(a.Site.ID, b.Site.ID) })
	return dst
}

func (ix *Index) appendBox(dst []Hit, b llbox, f Filter) []Hit {
	sc := scratchPool.Get().(*scratch)
	stack := sc.stack[:0]
	ix.roots(func(t *tree, tag ref) { stack = append(stack, tag|ref(t.root())) })
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		tag := r & refDelta
		t := ix.tree(r)
		i := r & refIndex
		nd, nb := &t.nodes[i], &t.boxes[i]
		if !f.match(nd.cats) || nb.minLat > b.maxLat || nb.maxLat < b.minLat || nb.minLon > b.maxLon || nb.maxLon < b.minLon {
			continue
		}
		if !nd.leaf {
			for c := nd.first; c < nd.end; c++ {
				stack = append(stack, tag|ref(c))
			}
			continue
		}
		for p := nd.first; p < nd.end; p++ {
			ll := t.ll[p]
			if ll[0] < b.minLat || ll[0] > b.maxLat || ll[1] < b.minLon || ll[1] > b.maxLon ||
				!f.match(t.pts[p].cats) || tag == 0 && ix.isDead(p) {
				continue
			}
			dst = append(dst, Hit{Site: t.sites[p]})
		}
	}
	sc.stack = stack
	scratchPool.Put(sc)
	return dst
}

// heapPush and heapPop keep q a binary min-heap by d2.
func heapPush(q []entry, e entry) []entry {
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

func heapPop(q []entry) (entry, []entry) {
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
