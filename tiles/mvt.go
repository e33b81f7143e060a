package tiles

import (
	"math/bits"
	"strings"
	"sync"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// The MVT encoder writes the protobuf wire format of vector_tile.proto (MVT 2.1) directly: a
// general encoder (orb/encoding/mvt) builds a geometry, a property map and a feature value per
// site and sorts keys, which cost 0.4 ms for the 440 sites of a z14 tile; writing the bytes
// for points with a fixed key table costs a small fraction of that.

// Extent is the size of a tile in tile units.
const Extent = 4096

// LayerName is the name of the one layer of site tiles.
const LayerName = "sites"

// Keys of the layer, in the order of the keys table, which is the same for every tile.
const (
	keyID = iota
	keyName
	keyCategories
	keyStatus
	keyPrecision
	keyApproximate
	keyConfidential
	keyCluster
	keyPointCount
	keyCount0 // count_<slug> for category bit i is keyCount0 + i
)

// slugs lists the category slugs by bit of aidmap.CategorySet.
var slugs = func() []string {
	var s []string
	for _, c := range aidmap.Categories() {
		s = append(s, string(c.Slug))
	}
	return s
}()

// keyNames is the keys table.
var keyNames = func() []string {
	k := []string{"id", "name", "categories", "status", "precision", "approximate", "confidential", "cluster", "point_count"}
	for _, s := range slugs {
		k = append(k, "count_"+s)
	}
	return k
}()

// Keys of places of several providers (#19), after the table above. A tile with no such place
// writes only the table above, so its bytes are what they were before places existed.
var (
	keyPlace       = uint32(len(keyNames))
	keyProviders   = keyPlace + 1
	keySites       = keyPlace + 2
	placeKeys      = []string{"place", "providers", "sites"}
	placeKeysField = func() []byte {
		var b []byte
		for _, k := range placeKeys {
			b = appendBytesField(b, 3, k)
		}
		return b
	}()
)

// keysField is the encoded keys table (layer field 3, repeated).
var keysField = func() []byte {
	var b []byte
	for _, k := range keyNames {
		b = appendBytesField(b, 3, k)
	}
	return b
}()

// Wire format tags: field number << 3 | wire type (0 varint, 2 length-delimited).
const (
	tagTileLayer     = 3<<3 | 2
	tagLayerName     = 1<<3 | 2
	tagLayerFeature  = 2<<3 | 2
	tagLayerValue    = 4<<3 | 2
	tagLayerExtent   = 5<<3 | 0
	tagLayerVersion  = 15<<3 | 0
	tagFeatureTags   = 2<<3 | 2
	tagFeatureType   = 3<<3 | 0
	tagFeatureGeom   = 4<<3 | 2
	tagValueString   = 1<<3 | 2
	tagValueUint     = 5<<3 | 0
	tagValueBool     = 7<<3 | 0
	geomTypePoint    = 1
	cmdMoveToOnce    = 1 | 1<<3 // MoveTo, count 1
	maxFeatureHeader = 32
)

// layer accumulates one "sites" layer. Values that repeat (names of chains and of "Food Bank"s,
// statuses, precisions, category sets, booleans, counts) are shared through the values table;
// IDs, unique per site, are appended without a lookup.
type layer struct {
	features []byte
	values   []byte
	nvals    uint32
	strs     map[string]uint32
	sets     map[aidmap.CategorySet]uint32
	uints    map[uint64]uint32
	bools    [2]uint32 // index+1 of false and true, 0 when not yet in the table
	tags     []uint32
	n        int  // features
	places   bool // a feature has the place keys
}

func newLayer() *layer {
	return &layer{
		strs:  make(map[string]uint32),
		sets:  make(map[aidmap.CategorySet]uint32),
		uints: make(map[uint64]uint32),
	}
}

func (l *layer) reset() {
	l.features, l.values, l.nvals, l.n, l.places = l.features[:0], l.values[:0], 0, 0, false
	clear(l.strs)
	clear(l.sets)
	clear(l.uints)
	l.bools = [2]uint32{}
}

// newString adds a string value without looking for an equal one.
func (l *layer) newString(s string) uint32 {
	n := 1 + uvarintLen(uint64(len(s))) + len(s)
	l.values = append(l.values, tagLayerValue)
	l.values = appendUvarint(l.values, uint64(n))
	l.values = appendBytesField(l.values, 1, s)
	l.nvals++
	return l.nvals - 1
}

// newID adds the string value of the ID of h's site.
func (l *layer) newID(h geo.Hit) uint32 {
	const idLen = 36
	l.values = append(l.values, tagLayerValue, 2+idLen, tagValueString, idLen)
	l.values = h.AppendID(l.values)
	l.nvals++
	return l.nvals - 1
}

// sharedString adds a string value once per tile.
func (l *layer) sharedString(s string) uint32 {
	if i, ok := l.strs[s]; ok {
		return i
	}
	i := l.newString(s)
	l.strs[s] = i
	return i
}

func (l *layer) categories(c aidmap.CategorySet) uint32 {
	if i, ok := l.sets[c]; ok {
		return i
	}
	i := l.newString(categoryList(c))
	l.sets[c] = i
	return i
}

func (l *layer) uint(v uint64) uint32 {
	if i, ok := l.uints[v]; ok {
		return i
	}
	l.values = append(l.values, tagLayerValue, byte(1+uvarintLen(v)), tagValueUint)
	l.values = appendUvarint(l.values, v)
	l.nvals++
	l.uints[v] = l.nvals - 1
	return l.nvals - 1
}

func (l *layer) bool(v bool) uint32 {
	k := 0
	if v {
		k = 1
	}
	if l.bools[k] == 0 {
		l.values = append(l.values, tagLayerValue, 2, tagValueBool, byte(k))
		l.nvals++
		l.bools[k] = l.nvals
	}
	return l.bools[k] - 1
}

// point adds a point feature at tile units (x, y), 0 <= x, y < Extent, with the key/value
// index pairs in l.tags.
func (l *layer) point(x, y int) {
	tagsLen := 0
	for _, t := range l.tags {
		tagsLen += uvarintLen(uint64(t))
	}
	zx, zy := uint64(x)<<1, uint64(y)<<1 // zigzag of non-negative deltas from (0, 0)
	geomLen := 1 + uvarintLen(zx) + uvarintLen(zy)
	n := 1 + uvarintLen(uint64(tagsLen)) + tagsLen + 2 + 1 + 1 + geomLen
	b := append(l.features, tagLayerFeature)
	b = appendUvarint(b, uint64(n))
	b = append(b, tagFeatureTags)
	b = appendUvarint(b, uint64(tagsLen))
	for _, t := range l.tags {
		b = appendUvarint(b, uint64(t))
	}
	b = append(b, tagFeatureType, geomTypePoint, tagFeatureGeom, byte(geomLen), cmdMoveToOnce)
	b = appendUvarint(b, zx)
	b = appendUvarint(b, zy)
	l.features = b
	l.n++
}

// site adds the feature of site s, decoded from h (whose ID and categories it reads from the
// index, which is cheaper), at tile units (x, y); stacked marks a site at a stacked point
// (approximate whatever its precision).
func (l *layer) site(s *aidmap.Site, h geo.Hit, x, y int, stacked bool) {
	l.siteTags(s, h, stacked)
	l.point(x, y)
}

// placeSite adds the feature of a site standing for a place of several sites: the site's
// tags, and the place's ID, how many providers (organisations) and sites it has.
func (l *layer) placeSite(s *aidmap.Site, h geo.Hit, x, y int, pid string, providers, sites int, stacked bool) {
	l.places = true
	l.siteTags(s, h, stacked)
	l.tags = append(l.tags,
		keyPlace, l.newString(pid),
		keyProviders, l.uint(uint64(providers)),
		keySites, l.uint(uint64(sites)),
	)
	l.point(x, y)
}

// siteTags sets l.tags to the tags of site s: a confidential site is published with the
// precision of its area point, and as approximate.
func (l *layer) siteTags(s *aidmap.Site, h geo.Hit, stacked bool) {
	precision := s.Precision
	if s.Confidential {
		precision = aidmap.PrecisionLocality // the precision of the published area point
	}
	l.tags = append(l.tags[:0],
		keyID, l.newID(h),
		keyName, l.sharedString(s.Name),
		keyCategories, l.categories(h.Categories()),
		keyStatus, l.sharedString(string(s.Status)),
		keyPrecision, l.sharedString(string(precision)),
		keyApproximate, l.bool(s.Confidential || precision.Approximate() || stacked),
		keyConfidential, l.bool(s.Confidential),
	)
}

// cluster adds a cluster of n sites at tile units (x, y) with per-category counts by bit.
func (l *layer) cluster(n int, counts *[32]uint32, x, y int) {
	var set aidmap.CategorySet
	for i := range slugs {
		if counts[i] > 0 {
			set |= 1 << uint(i)
		}
	}
	l.tags = append(l.tags[:0],
		keyCluster, l.bool(true),
		keyPointCount, l.uint(uint64(n)),
		keyCategories, l.categories(set),
	)
	for i := range slugs {
		if counts[i] > 0 {
			l.tags = append(l.tags, uint32(keyCount0+i), l.uint(uint64(counts[i])))
		}
	}
	l.point(x, y)
}

// appendTile appends the encoded tile holding the layer to dst; nothing when the layer has
// no features (an empty tile is zero bytes).
func (l *layer) appendTile(dst []byte) []byte {
	if l.n == 0 {
		return dst
	}
	nameLen := 1 + uvarintLen(uint64(len(LayerName))) + len(LayerName)
	keys := len(keysField)
	if l.places {
		keys += len(placeKeysField)
	}
	n := nameLen + len(l.features) + keys + len(l.values) + 1 + uvarintLen(Extent) + 2
	dst = append(dst, tagTileLayer)
	dst = appendUvarint(dst, uint64(n))
	dst = appendBytesField(dst, 1, LayerName)
	dst = append(dst, l.features...)
	dst = append(dst, keysField...)
	if l.places {
		dst = append(dst, placeKeysField...)
	}
	dst = append(dst, l.values...)
	dst = append(dst, tagLayerExtent)
	dst = appendUvarint(dst, Extent)
	return append(dst, tagLayerVersion, 2)
}

// categoryLists caches categoryList by set: tiles repeat the same few sets, and building the
// string was a tenth of a clustered tile's time.
var categoryLists sync.Map // aidmap.CategorySet -> string

// categoryList returns the slugs of c, comma-separated, in taxonomy order.
func categoryList(c aidmap.CategorySet) string {
	if s, ok := categoryLists.Load(c); ok {
		return s.(string)
	}
	s := buildCategoryList(c)
	categoryLists.Store(c, s)
	return s
}

func buildCategoryList(c aidmap.CategorySet) string {
	var b strings.Builder
	for c != 0 {
		i := bits.TrailingZeros32(uint32(c))
		c &= c - 1
		if i >= len(slugs) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(slugs[i])
	}
	return b.String()
}

func appendBytesField(b []byte, field int, s string) []byte {
	b = append(b, byte(field<<3|2))
	b = appendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }
