package geo

import (
	"encoding/binary"
	"math"
	"runtime"
	"sync"

	"github.com/aidmap/aidmap"
)

// The core: a static, packed bounding-volume tree over points on the unit sphere.
//
// Every point is stored as a 3D unit vector (x, y, z). The straight-line (chord) distance
// between two unit vectors grows monotonically with their great-circle distance, so nearest
// and radius searches rank by squared chord distance, which needs no trigonometry, and a
// node's axis-aligned 3D box gives an exact, cheap lower bound (the squared distance from the
// query vector to the box). The distance in metres is then aidmap.ChordToMetres of that same
// squared chord, which is how aidmap.DistanceM itself is computed, so results are bit for bit
// those of a linear scan. In 3D there is no antimeridian and no pole: a query at lon 179.99
// sees sites at lon -179.99 as the near neighbours they are.
//
// Points are ordered along a Hilbert curve on the six faces of a cube around the sphere (as S2
// does), so runs of leafSize consecutive points are compact, then packed bottom-up into nodes
// of leafSize children, as flatbush does. The tree is built once, in O(n) after the keys (radix
// sorts), into flat arrays, and never changes: changes go into a second small tree and
// tombstones (see Index).

// leafSize is the number of points per leaf. 16 measured fastest for nearest-10 and 2 km
// radius queries at 1M sites (8 and 32 were compared; see BENCHMARKS-geo.md).
const leafSize = 16

// nodeFan is the number of children of an internal node: at most 16, as a node keeps its
// child count in 4 bits. 8 measured slower.
const nodeFan = 16

// point is the hot data of one indexed site: its unit vector and categories. 32 bytes, so two
// per cache line and a leaf is eight lines.
type point struct {
	x, y, z float64
	cats    aidmap.CategorySet
}

// node bounds its children: nodes of the level below or, for a leaf, points. The box is float32
// rounded outward, so it contains the float64 box and its distance is still a lower bound;
// 32 bytes, half the float64 node.
type node struct {
	min, max [3]float32
	cats     aidmap.CategorySet // union of the categories below
	span     uint32             // first child in the low 28 bits, child count - 1 in the high 4
}

const spanBits = 28

func (nd *node) children() (first, end uint32) {
	first = nd.span & (1<<spanBits - 1)
	return first, first + nd.span>>spanBits + 1
}

// llbox bounds a node in degrees, for bounding-box queries.
type llbox struct{ minLat, minLon, maxLat, maxLon float64 }

// tree is immutable once built and shared between index snapshots. Everything per point is in
// Hilbert order, indexed by the point's position.
type tree struct {
	pts     []point
	ll      [][2]float64 // lat, lon (degrees) of the indexed (public) point
	ids     [][16]byte   // site IDs
	refs    []uint64     // records in recs
	byID    []uint32     // positions in ID order
	nodes   []node       // leaves first, root last
	boxes   []llbox
	nleaves uint32
	recs    arena
	memo    sync.Map // data other packages derive from this tree's sites (Part.Memo)
}

func (t *tree) len() int {
	if t == nil {
		return 0
	}
	return len(t.pts)
}

// root returns the index of the root node; only valid when the tree has points.
func (t *tree) root() uint32 { return uint32(len(t.nodes) - 1) }

// site decodes the site at position p.
func (t *tree) site(p uint32) *aidmap.Site {
	return decodeRecord(t.recs.record(t.refs[p]), &t.ids[p])
}

// find returns the position of the site with the given ID.
func (t *tree) find(id *[16]byte) (uint32, bool) {
	if t == nil {
		return 0, false
	}
	lo, hi := 0, len(t.byID)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if idLess(&t.ids[t.byID[m]], id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(t.byID) && t.ids[t.byID[lo]] == *id {
		return t.byID[lo], true
	}
	return 0, false
}

func idLess(a, b *[16]byte) bool {
	ah, bh := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if ah != bh {
		return ah < bh
	}
	return binary.BigEndian.Uint64(a[8:]) < binary.BigEndian.Uint64(b[8:])
}

// staged holds sites on their way into a tree, in arrival order: their hot data and their
// records in recs.
type staged struct {
	pts  []point
	ll   [][2]float64
	ids  [][16]byte
	refs []uint64
	recs arena
	buf  []byte // encoding scratch
}

func newStaged(n int) *staged {
	return &staged{
		pts:  make([]point, 0, n),
		ll:   make([][2]float64, 0, n),
		ids:  make([][16]byte, 0, n),
		refs: make([]uint64, 0, n),
		recs: arena{first: min(chunkSize, max(4096, n*256))}, // ~2x a typical record
	}
}

func (st *staged) len() int { return len(st.pts) }

// add encodes s, whose ID is id, at its point (the pin of a confidential site's public form).
func (st *staged) add(s *aidmap.Site, id [16]byte) {
	lat, lon := s.Lat, s.Lon
	x, y, z := aidmap.UnitVector(lat, lon)
	st.buf = encodeRecord(st.buf, s)
	st.pts = append(st.pts, point{x, y, z, pointSet(s)})
	st.ll = append(st.ll, [2]float64{lat, lon})
	st.ids = append(st.ids, id)
	st.refs = append(st.refs, st.recs.addBody(st.buf))
}

// copyFrom adds the point at position p of t, copying its record.
func (st *staged) copyFrom(t *tree, p uint32) {
	st.pts = append(st.pts, t.pts[p])
	st.ll = append(st.ll, t.ll[p])
	st.ids = append(st.ids, t.ids[p])
	st.refs = append(st.refs, st.recs.add(t.recs.record(t.refs[p])))
}

// buildTree indexes the staged sites and returns the tree with, for each position, the site's
// arrival index in st. It takes over st's arena. byID holds every position: callers that may
// have staged an ID twice deduplicate it (buildTreeDedup).
func buildTree(st *staged) (*tree, []uint32) {
	n := st.len()
	t := &tree{
		pts:  make([]point, n),
		ll:   make([][2]float64, n),
		ids:  make([][16]byte, n),
		refs: make([]uint64, n),
		recs: st.recs,
	}
	if n == 0 {
		return t, nil
	}
	// Sort by Hilbert key, stably so equal keys keep arrival order.
	keys := make([]uint64, n)
	parallel(n, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			p := &st.pts[j]
			keys[j] = cellKey(p.x, p.y, p.z)
		}
	})
	perm := radixSort(keys, 0)
	for p, i := range perm {
		t.pts[p] = st.pts[i]
		t.ll[p] = st.ll[i]
		t.ids[p] = st.ids[i]
		t.refs[p] = st.refs[i]
	}
	// ID order: radix sort by the top 33 bits, then an insertion pass by the whole ID fixes the
	// few runs that share them.
	for p := range t.ids {
		keys[p] = binary.BigEndian.Uint64(t.ids[p][:8])
	}
	t.byID = radixSort(keys, 31)
	for i := 1; i < len(t.byID); i++ {
		for j := i; j > 0 && t.idLessAt(keys, t.byID[j], t.byID[j-1]); j-- {
			t.byID[j], t.byID[j-1] = t.byID[j-1], t.byID[j]
		}
	}
	t.pack()
	return t, perm
}

// idLessAt reports whether the ID at position p is less than the one at q; keys holds the
// first 8 bytes of every ID.
func (t *tree) idLessAt(keys []uint64, p, q uint32) bool {
	if keys[p] != keys[q] {
		return keys[p] < keys[q]
	}
	return binary.BigEndian.Uint64(t.ids[p][8:]) < binary.BigEndian.Uint64(t.ids[q][8:])
}

// parallel runs fn over [0, n) split across GOMAXPROCS goroutines, or inline when n is small.
func parallel(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < 1<<14 || w == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + w - 1) / w
	for lo := 0; lo < n; lo += step {
		wg.Go(func() { fn(lo, min(lo+step, n)) })
	}
	wg.Wait()
}

// pack builds the nodes bottom-up over t.pts.
func (t *tree) pack() {
	n := len(t.pts)
	nleaves := (n + leafSize - 1) / leafSize
	total := nleaves
	for c := nleaves; c > 1; {
		c = (c + nodeFan - 1) / nodeFan
		total += c
	}
	t.nodes = make([]node, 0, total)
	t.boxes = make([]llbox, 0, total)
	t.nleaves = uint32(nleaves)
	for f := 0; f < n; f += leafSize {
		e := min(f+leafSize, n)
		mn := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
		mx := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
		var cats aidmap.CategorySet
		b := llbox{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for i := f; i < e; i++ {
			p := &t.pts[i]
			mn[0], mx[0] = min(mn[0], p.x), max(mx[0], p.x)
			mn[1], mx[1] = min(mn[1], p.y), max(mx[1], p.y)
			mn[2], mx[2] = min(mn[2], p.z), max(mx[2], p.z)
			cats |= p.cats
			lat, lon := t.ll[i][0], t.ll[i][1]
			b.minLat, b.maxLat = min(b.minLat, lat), max(b.maxLat, lat)
			b.minLon, b.maxLon = min(b.minLon, lon), max(b.maxLon, lon)
		}
		t.nodes = append(t.nodes, newNode(mn, mx, cats, f, e))
		t.boxes = append(t.boxes, b)
	}
	for lo, hi := 0, len(t.nodes); hi-lo > 1; lo, hi = hi, len(t.nodes) {
		for f := lo; f < hi; f += nodeFan {
			e := min(f+nodeFan, hi)
			nd := node{min: t.nodes[f].min, max: t.nodes[f].max}
			b := t.boxes[f]
			for i := f; i < e; i++ {
				c := &t.nodes[i]
				for a := range 3 {
					nd.min[a], nd.max[a] = min(nd.min[a], c.min[a]), max(nd.max[a], c.max[a])
				}
				nd.cats |= c.cats
				cb := t.boxes[i]
				b.minLat, b.maxLat = min(b.minLat, cb.minLat), max(b.maxLat, cb.maxLat)
				b.minLon, b.maxLon = min(b.minLon, cb.minLon), max(b.maxLon, cb.maxLon)
			}
			nd.span = uint32(f) | uint32(e-f-1)<<spanBits
			t.nodes = append(t.nodes, nd)
			t.boxes = append(t.boxes, b)
		}
	}
}

// newNode returns the leaf of points [f, e) with the float64 box mn, mx rounded outward.
func newNode(mn, mx [3]float64, cats aidmap.CategorySet, f, e int) node {
	nd := node{cats: cats, span: uint32(f) | uint32(e-f-1)<<spanBits}
	for a := range 3 {
		nd.min[a] = down32(mn[a])
		nd.max[a] = up32(mx[a])
	}
	return nd
}

// down32 and up32 round to a float32 at or below, and at or above, v.
func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// boxDist2 is the squared distance from q to the node's box: a lower bound of the squared chord
// distance to every point below it (up to rounding, which the callers' slack absorbs).
func (nd *node) boxDist2(qx, qy, qz float64) float64 {
	dx := relu(float64(nd.min[0])-qx) + relu(qx-float64(nd.max[0]))
	dy := relu(float64(nd.min[1])-qy) + relu(qy-float64(nd.max[1]))
	dz := relu(float64(nd.min[2])-qz) + relu(qz-float64(nd.max[2]))
	return dx*dx + dy*dy + dz*dz
}

// relu returns max(v, 0), exactly, without a branch: the distance to a box is the sum of two
// such terms per axis, at most one of them non-zero, and which one is unpredictable, so
// branches would mispredict often; the max builtin costs a dozen instructions for its NaN and
// signed-zero rules, which do not matter here (v is never NaN for a valid query).
func relu(v float64) float64 { return (v + math.Abs(v)) * 0.5 }

// cellKey orders unit vectors along a Hilbert curve on the faces of the enclosing cube.
func cellKey(x, y, z float64) uint64 {
	ax, ay, az := math.Abs(x), math.Abs(y), math.Abs(z)
	var face uint64
	var u, v float64
	switch {
	case ax >= ay && ax >= az:
		u, v = y/ax, z/ax
		if x < 0 {
			face = 1
		}
	case ay >= az:
		u, v = x/ay, z/ay
		face = 2
		if y < 0 {
			face = 3
		}
	default:
		u, v = x/az, y/az
		face = 4
		if z < 0 {
			face = 5
		}
	}
	const order = 20
	const side = 1 << order
	iu := uint32(min(side-1, max(0, (u+1)/2*side)))
	iv := uint32(min(side-1, max(0, (v+1)/2*side)))
	return face<<(2*order) | hilbert(iu, iv, order)
}

// hilbert returns the distance along a Hilbert curve of the given order of cell (x, y).
func hilbert(x, y uint32, order uint) uint64 {
	n := uint32(1) << order
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				x, y = n-1-x, n-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// radixSort returns the permutation that sorts keys ascending, stably (LSD radix, 11 bits a
// pass, skipping the high bits no key has). Passes over bits below low are skipped too, which
// leaves those bits unsorted.
func radixSort(keys []uint64, low uint) []uint32 {
	n := len(keys)
	var maxKey uint64
	for _, k := range keys {
		maxKey |= k
	}
	a := make([]uint32, n)
	for i := range a {
		a[i] = uint32(i)
	}
	b := make([]uint32, n)
	const bits = 11
	var count [1 << bits]int
	for shift := low; shift < 64 && maxKey>>shift != 0; shift += bits {
		clear(count[:])
		for _, i := range a {
			count[(keys[i]>>shift)&(1<<bits-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, i := range a {
			d := (keys[i] >> shift) & (1<<bits - 1)
			b[count[d]] = i
			count[d]++
		}
		a, b = b, a
	}
	return a
}
