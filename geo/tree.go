package geo

import (
	"math"

	"github.com/aidmap/aidmap"
)

// The core: a static, packed bounding-volume tree over points on the unit sphere.
//
// Every point is stored as a 3D unit vector (x, y, z). The straight-line (chord) distance
// between two unit vectors grows monotonically with their great-circle distance, so nearest
// and radius searches can rank by squared chord distance, which needs no trigonometry, and
// a node's axis-aligned 3D box gives an exact, cheap lower bound (the squared distance from the
// query vector to the box). In 3D there is no antimeridian and no pole: a query at lon 179.99
// sees sites at lon -179.99 as the near neighbours they are.
//
// Points are ordered along a Hilbert curve on the six faces of a cube around the sphere (as S2
// does), so runs of leafSize consecutive points are compact, then packed bottom-up into nodes
// of leafSize children, as flatbush does. The tree is built once, in O(n log n) (a radix sort),
// into flat arrays, and never changes: changes go into a second small tree and tombstones (see
// Index).

// leafSize is the number of points per leaf and of children per node. 16 measured fastest for
// nearest-10 and 2 km radius queries at 1M sites (8 and 32 were compared; see BENCHMARKS-geo.md).
const leafSize = 16

// point is the hot data of one indexed site: its unit vector and categories.
type point struct {
	x, y, z float64
	cats    aidmap.CategorySet
}

// node bounds its children: nodes of the level below or, for a leaf, points [first, end).
type node struct {
	min, max   [3]float64
	cats       aidmap.CategorySet // union of the categories below
	first, end uint32
	leaf       bool
}

// llbox bounds a node in degrees, for bounding-box queries.
type llbox struct{ minLat, minLon, maxLat, maxLon float64 }

// tree is immutable once built and shared between index snapshots.
type tree struct {
	pts   []point
	ll    [][3]float64 // lat, lon (degrees) of the indexed (public) point, and cos(lat)
	sites []*aidmap.Site
	nodes []node // leaves first, root last
	boxes []llbox
	ids   map[string]uint32 // site ID → position in pts
}

func (t *tree) len() int {
	if t == nil {
		return 0
	}
	return len(t.pts)
}

// root returns the index of the root node; only valid when the tree has points.
func (t *tree) root() uint32 { return uint32(len(t.nodes) - 1) }

const rad = math.Pi / 180

// unit returns the unit vector of a WGS84 point.
func unit(lat, lon float64) (x, y, z float64) {
	sφ, cφ := math.Sincos(lat * rad)
	sλ, cλ := math.Sincos(lon * rad)
	return cφ * cλ, cφ * sλ, sφ
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

// slack widens a squared chord limit just enough to absorb the rounding of chords computed
// from unit vectors (about 1e-15 absolute) and of haversine distances, so that whether a site
// near the limit is a result is decided by aidmap.DistanceM and then by ID, never by a rounding
// accident.
func slack(d2 float64) float64 {
	c := math.Sqrt(d2)*(1+1e-9) + 1e-14 // 1e-14 of the Earth's radius is 64 nm
	return c * c
}

// distanceM is aidmap.DistanceM from a query point (with cosLat1 = cos(lat1·π/180)) to an
// indexed point ll, with the cosine of the indexed latitude precomputed. It must stay the same
// expression as aidmap.DistanceM, operation for operation, so results are bit for bit those of
// a linear scan with aidmap.DistanceM (the tests check this).
func distanceM(lat1, lon1, cosLat1 float64, ll *[3]float64) float64 {
	dLat := (ll[0] - lat1) * rad
	dLon := (ll[1] - lon1) * rad
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	h := s1*s1 + cosLat1*ll[2]*s2*s2
	if h > 1 {
		h = 1
	}
	return 2 * aidmap.EarthRadiusM * math.Asin(math.Sqrt(h))
}

// buildTree indexes sites at their public locations. When sites holds the same ID more than
// once, the later one wins and the earlier positions are returned in dead (nil when none).
func buildTree(sites []*aidmap.Site) (*tree, []uint64) {
	n := len(sites)
	t := &tree{
		pts:   make([]point, n),
		ll:    make([][3]float64, n),
		sites: make([]*aidmap.Site, n),
		ids:   make(map[string]uint32, n),
	}
	if n == 0 {
		return t, nil
	}
	// Sort by Hilbert key, stably so equal keys keep input order. Every pass over sites goes
	// in input order: sites are large and scattered, so random access to them would be slow.
	keys := make([]uint64, n)
	pts := make([]point, n)
	ll := make([][3]float64, n)
	for i, s := range sites {
		lat, lon := s.PublicLocation()
		x, y, z := unit(lat, lon)
		pts[i] = point{x, y, z, s.CategorySet()}
		ll[i] = [3]float64{lat, lon, math.Cos(lat * rad)}
		keys[i] = cellKey(x, y, z)
	}
	order := radixSort(keys)
	pos := make([]uint32, n)
	for p, i := range order {
		t.pts[p] = pts[i]
		t.ll[p] = ll[i]
		t.sites[p] = sites[i]
		pos[i] = uint32(p)
	}
	var dead []uint64
	for i, s := range sites {
		p := pos[i]
		if q, dup := t.ids[s.ID]; dup {
			// The one added last wins.
			if dead == nil {
				dead = make([]uint64, (n+63)/64)
			}
			dead[q/64] |= 1 << (q % 64)
		}
		t.ids[s.ID] = p
	}
	t.pack()
	return t, dead
}

// pack builds the nodes bottom-up over t.pts.
func (t *tree) pack() {
	n := len(t.pts)
	nleaves := (n + leafSize - 1) / leafSize
	total := nleaves
	for c := nleaves; c > 1; {
		c = (c + leafSize - 1) / leafSize
		total += c
	}
	t.nodes = make([]node, 0, total)
	t.boxes = make([]llbox, 0, total)
	for f := 0; f < n; f += leafSize {
		e := min(f+leafSize, n)
		nd := node{first: uint32(f), end: uint32(e), leaf: true}
		nd.min = [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
		nd.max = [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
		b := llbox{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for i := f; i < e; i++ {
			p := &t.pts[i]
			nd.min[0], nd.max[0] = min(nd.min[0], p.x), max(nd.max[0], p.x)
			nd.min[1], nd.max[1] = min(nd.min[1], p.y), max(nd.max[1], p.y)
			nd.min[2], nd.max[2] = min(nd.min[2], p.z), max(nd.max[2], p.z)
			nd.cats |= p.cats
			lat, lon := t.ll[i][0], t.ll[i][1]
			b.minLat, b.maxLat = min(b.minLat, lat), max(b.maxLat, lat)
			b.minLon, b.maxLon = min(b.minLon, lon), max(b.maxLon, lon)
		}
		t.nodes = append(t.nodes, nd)
		t.boxes = append(t.boxes, b)
	}
	for lo, hi := 0, len(t.nodes); hi-lo > 1; lo, hi = hi, len(t.nodes) {
		for f := lo; f < hi; f += leafSize {
			e := min(f+leafSize, hi)
			nd := node{first: uint32(f), end: uint32(e), min: t.nodes[f].min, max: t.nodes[f].max}
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
			t.nodes = append(t.nodes, nd)
			t.boxes = append(t.boxes, b)
		}
	}
}

// boxDist2 is the squared distance from q to the node's box: a lower bound of the squared chord
// distance to every point below it.
func (nd *node) boxDist2(qx, qy, qz float64) float64 {
	var d2 float64
	if v := nd.min[0] - qx; v > 0 {
		d2 += v * v
	} else if v := qx - nd.max[0]; v > 0 {
		d2 += v * v
	}
	if v := nd.min[1] - qy; v > 0 {
		d2 += v * v
	} else if v := qy - nd.max[1]; v > 0 {
		d2 += v * v
	}
	if v := nd.min[2] - qz; v > 0 {
		d2 += v * v
	} else if v := qz - nd.max[2]; v > 0 {
		d2 += v * v
	}
	return d2
}

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

// radixSort returns the permutation that sorts keys ascending, stably (LSD radix, 11 bits a pass).
func radixSort(keys []uint64) []uint32 {
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
	for shift := uint(0); shift < 64 && maxKey>>shift != 0; shift += bits {
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
