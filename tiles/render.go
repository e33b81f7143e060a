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

// Places says which sites are one place of several providers (#19): *place.Places, which the
// web server keeps up to date from the index and stewards' decisions.
type Places interface {
	// Of returns the ID of site id's place (its own ID for a site alone).
	Of(id string) string
	// Members returns the site IDs of place pid.
	Members(pid string) []string
	// Approximate reports whether site id is at a stacked point (many unrelated records at
	// one coordinate): it is drawn as approximate, not as a building.
	Approximate(id string) bool
}

// renderer is the working memory of one tile render, pooled.
type renderer struct {
	layer  *layer
	tile   tileRef
	cells  [gridSide * gridSide]cell
	used   []uint16 // indexes of non-empty cells, in order of first use
	site   aidmap.Site
	ix     *geo.Index
	places Places
	cats   aidmap.CategorySet // the filter's categories (0: any), for a place's numbers
	seen   map[string]bool    // places of several sites already drawn in this tile
	id     []byte
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
	return RenderPlaces(dst, ix, nil, z, x, y, f)
}

// RenderPlaces is Render drawing one pin per place of several sites (pl; nil draws every
// site): the first of its sites this tile meets (in the index's order, among those matching
// f) stands for the place, tagged with the place's ID and its numbers of providers and sites,
// and the place's other sites are left out; clusters count places, not sites. With a category
// filter, the numbers count the place's sites in those categories and their providers: a
// person looking for food sees how many provide food there, not how many are there.
// (f.Match, which tiles ignore, is not applied to them either.) A confidential
// site is never in a place of several (package place refuses to link one), so it is drawn as
// Render draws it: its public area point, nothing more.
func RenderPlaces(dst []byte, ix *geo.Index, pl Places, z, x, y int, f geo.Filter) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return dst, err
	}
	r := rendererPool.Get().(*renderer)
	r.ix, r.places, r.cats = ix, pl, f.Categories
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	clear(r.seen)
	r.layer.reset()
	r.tile.set(z, x, y)
	visit := r.addSite
	if z < IndividualZoom {
		visit = r.addClustered
	}
	ix.VisitBBox(tileBBox(z, x, y), f, visit)
	if x == 0 && z > 0 {
		// Longitude 180 is the west edge of column 0 (at zoom 0 the tile's box has it already).
		ix.VisitBBox(geo.BBox{MinLon: 180, MaxLon: 180, MinLat: -90, MaxLat: 90}, f, visit)
	}
	if z < IndividualZoom {
		r.flushCells()
	}
	dst = r.layer.appendTile(dst)
	cats := r.site.Categories[:0]
	r.site = aidmap.Site{Categories: cats} // keep no strings of the index alive in the pool
	r.ix, r.places = nil, nil
	clear(r.seen)
	rendererPool.Put(r)
	return dst, nil
}

// tileRef is the tile being rendered.
type tileRef struct {
	z, x, y int
	n       float64 // 2^z
	// For clustering: the latitudes of the north edges of the grid's rows (and the tile's
	// south edge last), and tile units per degree of latitude in each row. A site's row is
	// found by comparing latitudes, exactly as the row's tile at zoom z+4 would be, and its
	// position in the row by linear interpolation: no logarithm per site. Clustered
	// positions are therefore within a fraction of a cell of the mercator ones.
	rowLat   [gridSide + 1]float64
	rowScale [gridSide]float64
}

func (t *tileRef) set(z, x, y int) {
	t.z, t.x, t.y, t.n = z, x, y, float64(uint64(1)<<uint(z))
	if z >= IndividualZoom {
		return
	}
	for i := range t.rowLat {
		t.rowLat[i] = tileLat(z+4, y*gridSide+i)
	}
	for i := range t.rowScale {
		t.rowScale[i] = cellUnits / (t.rowLat[i] - t.rowLat[i+1])
	}
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

// exactUnits returns the mercator tile units of a point that clusterUnits put in cell i,
// clamped to that cell so rounding cannot move it to another tile.
func (t *tileRef) exactUnits(lat, lon float64, i int) (px, py int) {
	wx, wy := project(lat, lon)
	fx, fy := (wx*t.n-float64(t.x))*Extent, (wy*t.n-float64(t.y))*Extent
	cx, cy := i%gridSide*cellUnits, i/gridSide*cellUnits
	return min(max(int(fx), cx), cx+cellUnits-1), min(max(int(fy), cy), cy+cellUnits-1)
}

// clusterUnits is units for clustering: the same tile membership by longitude, by latitude
// against the row edges (north edge inclusive), and positions interpolated within a row.
func (t *tileRef) clusterUnits(lat, lon float64) (px, py int, ok bool) {
	if !(lat <= t.rowLat[0]) || lat <= t.rowLat[gridSide] {
		return 0, 0, false
	}
	wx := (lon + 180) / 360
	if wx >= 1 {
		wx -= 1
	}
	ax := wx * t.n
	if int(ax) != t.x {
		return 0, 0, false
	}
	lo, hi := 0, gridSide-1 // the row i with rowLat[i+1] < lat <= rowLat[i]
	for lo < hi {
		m := (lo + hi) >> 1
		if lat > t.rowLat[m+1] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	in := min(int((t.rowLat[lo]-lat)*t.rowScale[lo]), cellUnits-1)
	return min(int((ax-float64(t.x))*Extent), Extent-1), lo*cellUnits + in, true
}

func (r *renderer) addSite(h geo.Hit) {
	lat, lon := h.Point()
	if px, py, ok := r.tile.units(lat, lon); ok {
		pid, more := r.place(h)
		if more && r.seen[pid] {
			return
		}
		h.DecodeSite(&r.site)
		if more {
			r.seen[pid] = true
			r.drawPlace(h, px, py, pid)
			return
		}
		r.layer.site(&r.site, h, px, py, r.stacked())
	}
}

// stacked reports whether the site last placed by place (r.id) is at a stacked point.
func (r *renderer) stacked() bool { return r.places != nil && r.places.Approximate(string(r.id)) }

// place returns the place of h's site and whether it is a place of several sites.
func (r *renderer) place(h geo.Hit) (string, bool) {
	r.id = r.id[:0]
	if r.places == nil {
		return "", false
	}
	r.id = h.AppendID(r.id[:0])
	id := string(r.id)
	pid := r.places.Of(id)
	if pid == id && len(r.places.Members(pid)) < 2 {
		return "", false
	}
	return pid, true
}

// drawPlace draws the decoded r.site as the pin of place pid, counting its sites and their
// providers (those in the filter's categories: r.site is one of them).
func (r *renderer) drawPlace(h geo.Hit, px, py int, pid string) {
	members := r.places.Members(pid)
	orgs := map[string]bool{r.site.OrganizationID: true}
	sites := 0
	for _, id := range members {
		s, ok := r.ix.Site(id)
		if !ok || r.cats != 0 && !r.cats.Intersects(s.CategorySet()) {
			continue
		}
		orgs[s.OrganizationID] = true
		sites++
	}
	r.layer.placeSite(&r.site, h, px, py, pid, len(orgs), max(sites, 1), r.stacked())
}

func (r *renderer) addClustered(h geo.Hit) {
	lat, lon := h.Point()
	px, py, ok := r.tile.clusterUnits(lat, lon)
	if !ok {
		return
	}
	if pid, more := r.place(h); more {
		if r.seen[pid] {
			return // the place is counted once
		}
		r.seen[pid] = true
	}
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
			// A lone site is placed exactly.
			lat, lon := c.first.Point()
			px, py := r.tile.exactUnits(lat, lon, int(i))
			c.first.DecodeSite(&r.site)
			if pid, more := r.place(c.first); more {
				r.drawPlace(c.first, px, py, pid)
			} else {
				r.layer.site(&r.site, c.first, px, py, r.stacked())
			}
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
