package points

import (
	"encoding/binary"
	"encoding/xml"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/osm"
)

var update = flag.Bool("update", false, "rewrite testdata/tiny.osm and testdata/tiny.osm.pbf from tinyOSM")

// tinyOSM is the OpenStreetMap fixture: address nodes, a building way with an address (an
// L-shaped outline, whose area centroid differs from the mean of its corners), a way with
// a node missing from the file, a relation with an address, and the quirks: addr:place
// instead of a street, a house number list, no street at all.
func tinyOSM() *osm.OSM {
	tags := func(kv ...string) osm.Tags {
		var ts osm.Tags
		for i := 0; i+1 < len(kv); i += 2 {
			ts = append(ts, osm.Tag{Key: kv[i], Value: kv[i+1]})
		}
		return ts
	}
	nodes := []*osm.Node{
		{ID: 1, Lon: 7.4200000, Lat: 43.7300000, Tags: tags("addr:housenumber", "4", "addr:street", "Avenue de la Madone",
			"addr:city", "Monaco", "addr:postcode", "98000", "addr:country", "MC", "addr:unit", "B")},
		{ID: 2, Lon: 7.4210000, Lat: 43.7310000, Tags: tags("addr:housenumber", "12;14", "addr:street", "Rue Grimaldi", "addr:state", "Monaco")},
		{ID: 3, Lon: 7.4220000, Lat: 43.7320000, Tags: tags("addr:housenumber", "7", "addr:place", "Fontvieille")},
		{ID: 4, Lon: 7.4230000, Lat: 43.7330000, Tags: tags("addr:housenumber", "9")},                         // no street
		{ID: 5, Lon: 7.4240000, Lat: 43.7340000, Tags: tags("addr:street", "Rue Grimaldi", "shop", "bakery")}, // no number: not a candidate
		{ID: 6, Lon: 7.4250000, Lat: 43.7350000, Tags: tags("amenity", "bench")},
		// L-shaped building corners: (0,0) (2,0) (2,1) (1,1) (1,2) (0,2) in 1e-4 degree steps.
		{ID: 10, Lon: 7.4000, Lat: 43.7000},
		{ID: 11, Lon: 7.4002, Lat: 43.7000},
		{ID: 12, Lon: 7.4002, Lat: 43.7001},
		{ID: 13, Lon: 7.4001, Lat: 43.7001},
		{ID: 14, Lon: 7.4001, Lat: 43.7002},
		{ID: 15, Lon: 7.4000, Lat: 43.7002},
		{ID: 20, Lon: 7.4100, Lat: 43.7100},
		{ID: 21, Lon: 7.4102, Lat: 43.7102},
	}
	wn := func(ids ...int64) osm.WayNodes {
		var ns osm.WayNodes
		for _, id := range ids {
			ns = append(ns, osm.WayNode{ID: osm.NodeID(id)})
		}
		return ns
	}
	ways := []*osm.Way{
		{ID: 100, Nodes: wn(10, 11, 12, 13, 14, 15, 10), Tags: tags("building", "yes", "addr:housenumber", "21", "addr:street", "Boulevard Albert 1er", "addr:postcode", "98000")},
		{ID: 101, Nodes: wn(20, 21, 999, 20), Tags: tags("building", "yes", "addr:housenumber", "3", "addr:street", "Quai Antoine 1er")}, // node 999 missing
		{ID: 102, Nodes: wn(20, 21), Tags: tags("addr:housenumber", "5", "addr:street", "Rue Basse")},                                    // open way: mean of nodes
		{ID: 103, Nodes: wn(10, 11, 12, 10), Tags: tags("building", "yes")},                                                              // no address
	}
	rels := []*osm.Relation{
		{ID: 1000, Members: osm.Members{{Type: osm.TypeWay, Ref: 103, Role: "outer"}}, Tags: tags("type", "multipolygon", "building", "yes", "addr:housenumber", "1", "addr:street", "Place du Palais")},
	}
	o := &osm.OSM{Version: "0.6", Generator: "aidmap points test"}
	for _, n := range nodes {
		n.Visible = true
		o.Nodes = append(o.Nodes, n)
	}
	for _, w := range ways {
		w.Visible = true
		o.Ways = append(o.Ways, w)
	}
	for _, r := range rels {
		r.Visible = true
		o.Relations = append(o.Relations, r)
	}
	return o
}

// TestTinyOSMFixtures keeps the committed fixtures in step with tinyOSM; run with -update
// after changing it.
func TestTinyOSMFixtures(t *testing.T) {
	o := tinyOSM()
	x, err := xml.MarshalIndent(o, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	x = append([]byte(xml.Header), append(x, '\n')...)
	files := map[string][]byte{"tiny.osm": x, "tiny.osm.pbf": encodePBF(o)}
	for name, want := range files {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run go test -run TestTinyOSMFixtures -update", p)
		}
	}
}

// encodePBF writes o as an OpenStreetMap PBF file: a header block, then one uncompressed
// data block each for dense nodes, ways and relations. osmpbf has no encoder, and this is
// the least of the format that its decoder and other tools accept.
func encodePBF(o *osm.OSM) []byte {
	var out []byte
	blob := func(typ string, data []byte) {
		var b []byte
		b = pbBytes(b, 1, data)               // raw
		b = pbVarint(b, 2, uint64(len(data))) // raw_size
		var h []byte
		h = pbBytes(h, 1, []byte(typ))
		h = pbVarint(h, 3, uint64(len(b)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(h)))
		out = append(out, h...)
		out = append(out, b...)
	}
	var hb []byte
	hb = pbBytes(hb, 4, []byte("OsmSchema-V0.6"))
	hb = pbBytes(hb, 4, []byte("DenseNodes"))
	blob("OSMHeader", hb)

	// One string table for all three blocks keeps the helper short.
	strs := []string{""}
	index := map[string]int{"": 0}
	sid := func(s string) uint64 {
		if i, ok := index[s]; ok {
			return uint64(i)
		}
		index[s] = len(strs)
		strs = append(strs, s)
		return uint64(len(strs) - 1)
	}
	var dense []byte
	{
		var ids, lats, lons, kvs []byte
		var pid, plat, plon int64
		for _, n := range o.Nodes {
			lat, lon := int64(math.Round(n.Lat*1e7)), int64(math.Round(n.Lon*1e7))
			ids = binary.AppendUvarint(ids, zigzag(int64(n.ID)-pid))
			lats = binary.AppendUvarint(lats, zigzag(lat-plat))
			lons = binary.AppendUvarint(lons, zigzag(lon-plon))
			pid, plat, plon = int64(n.ID), lat, lon
			for _, t := range n.Tags {
				kvs = binary.AppendUvarint(kvs, sid(t.Key))
				kvs = binary.AppendUvarint(kvs, sid(t.Value))
			}
			kvs = binary.AppendUvarint(kvs, 0)
		}
		dense = pbBytes(dense, 1, ids)
		dense = pbBytes(dense, 8, lats)
		dense = pbBytes(dense, 9, lons)
		dense = pbBytes(dense, 10, kvs)
	}
	var ways [][]byte
	for _, w := range o.Ways {
		var keys, vals, refs, b []byte
		for _, t := range w.Tags {
			keys = binary.AppendUvarint(keys, sid(t.Key))
			vals = binary.AppendUvarint(vals, sid(t.Value))
		}
		var prev int64
		for _, n := range w.Nodes {
			refs = binary.AppendUvarint(refs, zigzag(int64(n.ID)-prev))
			prev = int64(n.ID)
		}
		b = pbVarint(b, 1, uint64(w.ID))
		b = pbBytes(b, 2, keys)
		b = pbBytes(b, 3, vals)
		b = pbBytes(b, 8, refs)
		ways = append(ways, b)
	}
	var rels [][]byte
	for _, r := range o.Relations {
		var keys, vals, roles, memids, types, b []byte
		for _, t := range r.Tags {
			keys = binary.AppendUvarint(keys, sid(t.Key))
			vals = binary.AppendUvarint(vals, sid(t.Value))
		}
		var prev int64
		for _, m := range r.Members {
			roles = binary.AppendUvarint(roles, sid(m.Role))
			memids = binary.AppendUvarint(memids, zigzag(m.Ref-prev))
			prev = m.Ref
			t := uint64(0)
			switch m.Type {
			case osm.TypeWay:
				t = 1
			case osm.TypeRelation:
				t = 2
			}
			types = binary.AppendUvarint(types, t)
		}
		b = pbVarint(b, 1, uint64(r.ID))
		b = pbBytes(b, 2, keys)
		b = pbBytes(b, 3, vals)
		b = pbBytes(b, 8, roles)
		b = pbBytes(b, 9, memids)
		b = pbBytes(b, 10, types)
		rels = append(rels, b)
	}
	block := func(group []byte) []byte {
		var st, b []byte
		for _, s := range strs {
			st = pbBytes(st, 1, []byte(s))
		}
		b = pbBytes(b, 1, st)
		b = pbBytes(b, 2, group)
		return pbVarint(b, 17, 100) // granularity: 100 nanodegrees
	}
	var g []byte
	blob("OSMData", block(pbBytes(g, 2, dense)))
	g = nil
	for _, w := range ways {
		g = pbBytes(g, 3, w)
	}
	blob("OSMData", block(g))
	g = nil
	for _, r := range rels {
		g = pbBytes(g, 4, r)
	}
	blob("OSMData", block(g))
	return out
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func pbVarint(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3)
	return binary.AppendUvarint(b, v)
}

func pbBytes(b []byte, field int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}
