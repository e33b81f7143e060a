package osmbuild

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/osm"
)

// pbfItem is one element of a PBF fixture: type (pbfNodes, pbfWays, pbfRelations) and value.
type pbfItem struct {
	typ int
	obj osm.Object
}

// cityItems is testdata/city.osm's elements in file order (nodes, ways, relations by ID).
func cityItems(t *testing.T) []pbfItem {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "city.osm"))
	if err != nil {
		t.Fatal(err)
	}
	var o osm.OSM
	if err := xml.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	var items []pbfItem
	for _, n := range o.Nodes {
		items = append(items, pbfItem{pbfNodes, n})
	}
	for _, w := range o.Ways {
		items = append(items, pbfItem{pbfWays, w})
	}
	for _, r := range o.Relations {
		items = append(items, pbfItem{pbfRelations, r})
	}
	return items
}

// encodePBF writes items as a zlib-compressed PBF with per blocks elements a block (a block
// at a change of type holds a group of each), the header saying Sort.Type_then_ID when
// sorted is set.
func encodePBF(items []pbfItem, per int, sorted bool) []byte {
	var out []byte
	blob := func(typ string, data []byte) {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		var b, h []byte
		b = pbVarint(b, 2, uint64(len(data)))
		b = pbBytes(b, 3, z.Bytes())
		h = pbBytes(h, 1, []byte(typ))
		h = pbVarint(h, 3, uint64(len(b)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(h)))
		out = append(append(out, h...), b...)
	}
	var hb []byte
	hb = pbBytes(hb, 4, []byte("OsmSchema-V0.6"))
	hb = pbBytes(hb, 4, []byte("DenseNodes"))
	if sorted {
		hb = pbBytes(hb, 5, []byte("Sort.Type_then_ID"))
	}
	blob("OSMHeader", hb)
	for start := 0; start < len(items); start += per {
		block := items[start:min(len(items), start+per)]
		strs, index := []string{""}, map[string]int{"": 0}
		sid := func(s string) uint64 {
			if i, ok := index[s]; ok {
				return uint64(i)
			}
			index[s] = len(strs)
			strs = append(strs, s)
			return uint64(len(strs) - 1)
		}
		var groups []byte
		for i := 0; i < len(block); {
			j := i
			for j < len(block) && block[j].typ == block[i].typ {
				j++
			}
			groups = pbBytes(groups, 2, encodeGroup(block[i:j], sid))
			i = j
		}
		var st, b []byte
		for _, s := range strs {
			st = pbBytes(st, 1, []byte(s))
		}
		b = pbBytes(b, 1, st)
		b = append(b, groups...)
		blob("OSMData", pbVarint(b, 17, 100))
	}
	return out
}

// encodeGroup writes elements of one type as a PrimitiveGroup (nodes dense).
func encodeGroup(items []pbfItem, sid func(string) uint64) []byte {
	var g []byte
	tags := func(ts osm.Tags) (keys, vals []byte) {
		for _, t := range ts {
			keys = binary.AppendUvarint(keys, sid(t.Key))
			vals = binary.AppendUvarint(vals, sid(t.Value))
		}
		return keys, vals
	}
	switch items[0].typ {
	case pbfNodes:
		var ids, lats, lons, kvs, dense []byte
		var pid, plat, plon int64
		for _, it := range items {
			n := it.obj.(*osm.Node)
			lat, lon := int64(math.Round(n.Lat*1e7)), int64(math.Round(n.Lon*1e7))
			ids = binary.AppendUvarint(ids, zigzag(int64(n.ID)-pid))
			lats = binary.AppendUvarint(lats, zigzag(lat-plat))
			lons = binary.AppendUvarint(lons, zigzag(lon-plon))
			pid, plat, plon = int64(n.ID), lat, lon
			for _, t := range n.Tags {
				kvs = binary.AppendUvarint(binary.AppendUvarint(kvs, sid(t.Key)), sid(t.Value))
			}
			kvs = binary.AppendUvarint(kvs, 0)
		}
		dense = pbBytes(dense, 1, ids)
		dense = pbBytes(dense, 8, lats)
		dense = pbBytes(dense, 9, lons)
		dense = pbBytes(dense, 10, kvs)
		return pbBytes(g, 2, dense)
	case pbfWays:
		for _, it := range items {
			w := it.obj.(*osm.Way)
			keys, vals := tags(w.Tags)
			var refs, b []byte
			var prev int64
			for _, n := range w.Nodes {
				refs = binary.AppendUvarint(refs, zigzag(int64(n.ID)-prev))
				prev = int64(n.ID)
			}
			b = pbVarint(b, 1, uint64(w.ID))
			b = pbBytes(pbBytes(b, 2, keys), 3, vals)
			g = pbBytes(g, 3, pbBytes(b, 8, refs))
		}
	case pbfRelations:
		for _, it := range items {
			r := it.obj.(*osm.Relation)
			keys, vals := tags(r.Tags)
			var roles, memids, types, b []byte
			for i, m := range r.Members {
				delta := m.Ref
				if i > 0 {
					delta -= r.Members[i-1].Ref
				}
				roles = binary.AppendUvarint(roles, sid(m.Role))
				memids = binary.AppendUvarint(memids, zigzag(delta))
				types = binary.AppendUvarint(types, memberTypes[m.Type])
			}
			b = pbVarint(b, 1, uint64(r.ID))
			b = pbBytes(pbBytes(b, 2, keys), 3, vals)
			b = pbBytes(pbBytes(pbBytes(b, 8, roles), 9, memids), 10, types)
			g = pbBytes(g, 4, b)
		}
	}
	return g
}

// memberTypes are the PBF's numbers of relation member types.
var memberTypes = map[osm.Type]uint64{osm.TypeNode: 0, osm.TypeWay: 1, osm.TypeRelation: 2}

func pbVarint(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(b, uint64(field)<<3), v)
}

func pbBytes(b []byte, field int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|2)
	return append(binary.AppendUvarint(b, uint64(len(data))), data...)
}

// seekOnly hides a reader's ReadAt, so Build reads every blob in every pass.
type seekOnly struct{ io.ReadSeeker }

// TestPBFPassesSkipBlobs builds the fixture from sorted PBFs of several block sizes (blocks
// that change type in the middle among them) and wants the archive that reading every blob
// in every pass gives, byte for byte, while each pass reads less than the file.
func TestPBFPassesSkipBlobs(t *testing.T) {
	items := cityItems(t)
	for _, per := range []int{1, 7, 50, 1000} {
		data := encodePBF(items, per, true)
		x, err := indexPBF(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%d a block: indexPBF: %v", per, err)
		}
		for typ := pbfNodes; typ <= pbfRelations; typ++ {
			var n int64
			for _, s := range x.sections(typ) {
				n += s[1]
			}
			if per < len(items)/3 && n >= int64(len(data)) {
				t.Errorf("%d a block: the pass over type %d reads %d bytes of %d", per, typ, n, len(data))
			}
		}
		build := func(in io.ReadSeeker) []byte {
			var out bytes.Buffer
			if _, err := Build(context.Background(), in, &out, Options{TempDir: t.TempDir()}); err != nil {
				t.Fatalf("%d a block: Build: %v", per, err)
			}
			return out.Bytes()
		}
		whole := build(seekOnly{bytes.NewReader(data)})
		if got := build(bytes.NewReader(data)); !bytes.Equal(got, whole) {
			t.Errorf("%d a block: skipping blobs gave %d bytes, reading all %d", per, len(got), len(whole))
		}
	}
}

// TestPBFIndexRefuses wants files that do not say they are sorted, or whose blocks' types
// do not rise, read whole.
func TestPBFIndexRefuses(t *testing.T) {
	items := cityItems(t)
	unsorted := append([]pbfItem{}, items...)
	last := unsorted[len(unsorted)-1]
	copy(unsorted[1:], unsorted[:len(unsorted)-1])
	unsorted[0] = last // a relation first
	tests := []struct {
		name string
		data []byte
	}{
		{"no sort flag", encodePBF(items, 7, false)},
		{"types fall", encodePBF(unsorted, 7, true)},
		{"truncated", encodePBF(items, 7, true)[:100]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := indexPBF(bytes.NewReader(tt.data), int64(len(tt.data)))
			if !errors.Is(err, errNotIndexed) {
				t.Fatalf("got %v, want errNotIndexed", err)
			}
		})
	}
}
