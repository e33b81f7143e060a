package tiles

import (
	"fmt"
	"math"
	"math/bits"
	"sync"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// MaxZoom is the highest zoom served. Beyond it a tile is narrower than the index's precision
// matters for, and z/x/y no longer fit the usual 32-bit tile arithmetic of clients.
const MaxZoom = 22

// IndividualZoom is the lowest zoom at which every site is its own feature. A z14 tile is
// about 2.4 km wide at the equator; one tile unit there is 0.6 m, finer than any site's
// precision, so clients overzoom z14 tiles for the higher zooms (TileJSON maxzoom).
const IndividualZoom = 14

// Clustering grid: gridSide x gridSide cells per tile, each cellUnits tile units wide.
const (
	cellShift = 8
	cellUnits = 1 << cellShift
	gridSide  = Extent / cellUnits
)

// maxMercatorLat is the latitude (degrees) where Web Mercator's square world ends.
var maxMercatorLat = tileLat(0, 0)

// CheckTile reports whether z/x/y address a tile, as an *aidmap.FieldError naming z, x or y.
func CheckTile(z, x, y int) error {
	if z < 0 || z > MaxZoom {
		return &aidmap.FieldError{Field: "z", Value: fmt.Sprint(z), Reason: fmt.Sprintf("must be a zoom from 0 to %d", MaxZoom)}
	}
	n := 1 << uint(z)
	if x < 0 || x >= n {
		return &aidmap.FieldError{Field: "x", Value: fmt.Sprint(x), Reason: fmt.Sprintf("must be from 0 to %d at zoom %d", n-1, z)}
	}
	if y < 0 || y >= n {
		return &aidmap.FieldError{Field: "y", Value: fmt.Sprint(y), Reason: fmt.Sprintf("must be from 0 to %d at zoom %d", n-1, z)}
	}
	return nil
}

// project returns the Web Mercator world coordinates of a point in [0, 1) x [0, 1) (x east,
// y south); y is outside [0, 1) beyond the mercator latitude limit. Longitude 180 is -180.
func project(lat, lon float64) (wx, wy float64) {
	wx = (lon + 180) / 360
	if wx >= 1 {
		wx -= 1
	}
	s := math.Sin(lat * (math.Pi / 180))
	wy = 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return wx, wy
}

// tileLat returns the latitude (degrees) of the north edge of tile row y at zoom z.
func tileLat(z, y int) float64 {
	n := math.Pi - 2*math.Pi*float64(y)/float64(uint64(1)<<uint(z))
	return 180 / math.Pi * math.Atan(math.Sinh(n))
}

// tileBBox returns the box of tile z/x/y in degrees, widened by a hair so that rounding never
// loses a site on an edge; sites are then assigned to the tile exactly by project.
func tileBBox(z, x, y int) geo.BBox {
	n := float64(uint64(1) << uint(z))
	const eps = 1e-9
	return geo.BBox{
		MinLon: max(-180, float64(x)/n*360-180-eps),
		MaxLon: min(180, float64(x+1)/n*360-180+eps),
		MinLat: max(-90, tileLat(z, y+1)-eps),
		MaxLat: min(90, tileLat(z, y)+eps),
	}
}

// renderer is the working memory of one tile render, pooled.
type renderer struct {
	layer *layer
	cells [gridSide * gridSide]cell
	used  []uint16 // indexes of non-empty cells, in order of first use
}

type cell struct {
	n      int
	sx, sy int64 // sums of the sites' tile units
	counts [32]uint32
	first  geo.Hit
}

var rendererPool = sync.Pool{New: func() any { return &renderer{layer: newLayer()} }}

// Render appends the encoded tile z/x/y of the sites of ix matching f to dst. A tile with no
// site is zero bytes. Bad coordinates give an *aidmap.FieldError (see CheckTile).
func Render(dst []byte, ix *geo.Index, z, x, y int, f geo.Filter) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return dst, err
	}
	r := rendererPool.Get().(*renderer)
	r.layer.reset()
	visit := r.addSite
	if z < IndividualZoom {
		visit = r.addClustered
	}
	t := tileRef{z: z, x: x, y: y, n: float64(uint64(1) << uint(z))}
	fn := func(h geo.Hit) {
		lat, lon := h.Point()
		if px, py, ok := t.units(lat, lon); ok {
			visit(h, px, py)
		}
	}
	ix.VisitBBox(tileBBox(z, x, y), f, fn)
	if x == 0 {
		// Longitude 180 is the west edge of column 0.
		ix.VisitBBox(geo.BBox{MinLon: 180, MaxLon: 180, MinLat: -90, MaxLat: 90}, f, fn)
	}
	if z < IndividualZoom {
		r.flushCells()
	}
	dst = r.layer.appendTile(dst)
	rendererPool.Put(r)
	return dst, nil
}

// tileRef is the tile being rendered.
type tileRef struct {
	z, x, y int
	n       float64 // 2^z
}

// units returns the tile units of a point, and false when it is not in the tile.
func (t *tileRef) units(lat, lon float64) (px, py int, ok bool) {
	wx, wy := project(lat, lon)
	ax, ay := wx*t.n, wy*t.n
	if !(ay >= 0) || ay >= t.n || int(ax) != t.x || int(ay) != t.y {
		return 0, 0, false
	}
	return int((ax - float64(t.x)) * Extent), int((ay - float64(t.y)) * Extent), true
}

func (r *renderer) addSite(h geo.Hit, px, py int) {
	r.layer.site(h.Site(), px, py)
}

func (r *renderer) addClustered(h geo.Hit, px, py int) {
	i := uint16(py>>cellShift*gridSide + px>>cellShift)
	c := &r.cells[i]
	if c.n == 0 {
		r.used = append(r.used, i)
		c.first = h
	}
	c.n++
	c.sx += int64(px)
	c.sy += int64(py)
	for s := uint32(h.Categories()); s != 0; s &= s - 1 {
		c.counts[bits.TrailingZeros32(s)]++
	}
}

// flushCells writes a feature per non-empty cell, in row-major order so tiles are
// deterministic, and clears the cells.
func (r *renderer) flushCells() {
	if len(r.used) > 1 {
		sortSmall(r.used)
	}
	for _, i := range r.used {
		c := &r.cells[i]
		if c.n == 1 {
			r.layer.site(c.first.Site(), int(c.sx), int(c.sy))
		} else {
			r.layer.cluster(c.n, &c.counts, int(c.sx/int64(c.n)), int(c.sy/int64(c.n)))
		}
		*c = cell{}
	}
	r.used = r.used[:0]
}

// sortSmall sorts at most gridSide² cell indexes: a counting pass over a bitmap.
func sortSmall(a []uint16) {
	var seen [gridSide * gridSide / 64]uint64
	for _, i := range a {
		seen[i/64] |= 1 << (i % 64)
	}
	a = a[:0]
	for w, bitsw := range seen {
		for bitsw != 0 {
			a = append(a, uint16(w*64+bits.TrailingZeros64(bitsw)))
			bitsw &= bitsw - 1
		}
	}
}
