package osmbuild

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"github.com/aidmap/aidmap/basemap"
	"github.com/aidmap/aidmap/pmtiles"
)

// tile is one decoded tile of an archive.
type tile struct {
	z      uint8
	x, y   uint32
	layers mvt.Layers
}

func (t tile) String() string { return fmt.Sprintf("%d/%d/%d", t.z, t.x, t.y) }

func (t tile) layer(name string) *mvt.Layer {
	for _, l := range t.layers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// readAll reads every tile of an archive back: the directories through package pmtiles
// (checked against go-pmtiles in internal/pmtilescompat), each tile through basemap.Archive
// (what the server uses), decoded with orb.
func readAll(t *testing.T, archive []byte) (pmtiles.Header, map[string]any, []tile) {
	t.Helper()
	h, err := pmtiles.ParseHeader(archive)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := pmtiles.DeserializeMetadata(archive[h.MetadataOffset:h.MetadataOffset+h.MetadataLength], h.InternalCompression)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	a, err := basemap.OpenBytes("test.pmtiles", archive)
	if err != nil {
		t.Fatalf("basemap.OpenBytes: %v", err)
	}
	var (
		tiles  []tile
		lastID uint64
		first  = true
	)
	err = pmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return archive[off : off+n], nil }, func(e pmtiles.Entry) {
		if !first && e.TileID <= lastID {
			t.Errorf("entry %d after %d: not in tile-ID order", e.TileID, lastID)
		}
		first = false
		lastID = e.TileID + uint64(e.RunLength) - 1
		for id := e.TileID; id < e.TileID+uint64(e.RunLength); id++ {
			z, x, y := pmtiles.IDToZxy(id)
			e, err := a.Find(context.Background(), int(z), int(x), int(y))
			if err != nil {
				t.Errorf("tile %d/%d/%d: %v", z, x, y, err)
				continue
			}
			b, err := a.Read(context.Background(), e)
			if err != nil || !a.IsGzip(b) || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
				t.Errorf("tile %d/%d/%d: %v: want gzip-compressed bytes", z, x, y, err)
				continue
			}
			ls, err := mvt.UnmarshalGzipped(b)
			if err != nil {
				t.Errorf("tile %d/%d/%d does not decode: %v", z, x, y, err)
				continue
			}
			tiles = append(tiles, tile{z: z, x: x, y: y, layers: ls})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, meta, tiles
}

func buildFixture(t *testing.T, opts Options) (Summary, []byte) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "city.osm"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts.TempDir = t.TempDir()
	var out bytes.Buffer
	sum, err := Build(context.Background(), f, &out, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return sum, out.Bytes()
}

func TestBuildFixture(t *testing.T) {
	var stages []string
	sum, archive := buildFixture(t, Options{Name: "Testville", Progress: func(p Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		if p.Done > p.Total {
			t.Errorf("progress %s: done %d > total %d", p.Stage, p.Done, p.Total)
		}
	}})
	h, meta, tiles := readAll(t, archive)

	t.Run("header", func(t *testing.T) {
		if !h.Clustered || h.TileType != pmtiles.MVT || h.TileCompression != pmtiles.Gzip || h.InternalCompression != pmtiles.Gzip {
			t.Errorf("header %+v: want v3, clustered, MVT, gzip", h)
		}
		if h.MinZoom != 0 || h.MaxZoom != 15 {
			t.Errorf("zooms %d-%d, want 0-15", h.MinZoom, h.MaxZoom)
		}
		if got := int64(len(tiles)); got != sum.Tiles || uint64(got) != h.AddressedTilesCount {
			t.Errorf("read %d tiles, summary says %d, header %d", got, sum.Tiles, h.AddressedTilesCount)
		}
		if sum.Bytes != int64(len(archive)) {
			t.Errorf("summary bytes %d, archive %d", sum.Bytes, len(archive))
		}
		lon, lat := float64(h.CenterLonE7)/1e7, float64(h.CenterLatE7)/1e7
		if lon < 2.2 || lon > 2.5 || lat < 48.8 || lat > 48.95 {
			t.Errorf("center %f,%f: want near 2.35,48.85", lon, lat)
		}
		if sum.Nodes == 0 || sum.Ways != 16 || sum.Relations != 2 {
			t.Errorf("elements: %d nodes, %d ways, %d relations; want some, 16, 2", sum.Nodes, sum.Ways, sum.Relations)
		}
		want := []string{"read relations", "read ways", "read nodes", "tiles z0", "tiles z15"}
		for _, w := range want {
			if !strings.Contains(strings.Join(stages, ","), w) {
				t.Errorf("progress stages %v: missing %q", stages, w)
			}
		}
	})

	t.Run("metadata", func(t *testing.T) {
		if meta["name"] != "Testville" || !strings.Contains(fmt.Sprint(meta["attribution"]), "OpenStreetMap") {
			t.Errorf("metadata name %v attribution %v", meta["name"], meta["attribution"])
		}
		var ids []string
		vl, _ := meta["vector_layers"].([]any)
		for _, l := range vl {
			ids = append(ids, fmt.Sprint(l.(map[string]any)["id"]))
		}
		want := "water,landuse,waterway,buildings,railways,roads,boundaries,places,housenumbers,pois"
		if got := strings.Join(ids, ","); got != want {
			t.Errorf("vector_layers %s, want %s", got, want)
		}
	})

	// Which zooms each layer appears at, and the features seen per layer.
	zooms := map[string]map[uint8]bool{}
	feats := map[string][]*geojson.Feature{}
	for _, tl := range tiles {
		for _, l := range tl.layers {
			if zooms[l.Name] == nil {
				zooms[l.Name] = map[uint8]bool{}
			}
			zooms[l.Name][tl.z] = true
			feats[l.Name] = append(feats[l.Name], l.Features...)
		}
	}
	minMax := func(name string) (lo, hi uint8) {
		lo = 255
		for z := range zooms[name] {
			lo, hi = min(lo, z), max(hi, z)
		}
		return lo, hi
	}

	t.Run("layer zooms", func(t *testing.T) {
		tests := []struct {
			layer      string
			minZ, maxZ uint8
		}{
			{LayerBuildings, 13, 15},
			{LayerHousenumbers, 15, 15},
			{LayerRoads, 5, 15}, // the 1° motorway from z5
			{LayerLanduse, 8, 15},
			{LayerWater, 5, 15}, // the sea south of the coastline; the 440 m lake is a pixel from z8
			{LayerWaterway, 9, 15},
			{LayerRailways, 8, 15},
			{LayerPlaces, 5, 15},     // the city from z5
			{LayerBoundaries, 2, 15}, // 0.2° long: 9 units at z2
		}
		for _, tc := range tests {
			t.Run(tc.layer, func(t *testing.T) {
				lo, hi := minMax(tc.layer)
				if lo != tc.minZ || hi != tc.maxZ {
					t.Errorf("%s at zooms %d-%d, want %d-%d", tc.layer, lo, hi, tc.minZ, tc.maxZ)
				}
			})
		}
	})

	t.Run("road classes by zoom", func(t *testing.T) {
		first := map[string]uint8{}
		for _, tl := range tiles {
			if l := tl.layer(LayerRoads); l != nil {
				for _, f := range l.Features {
					c := fmt.Sprint(f.Properties["class"])
					if z, ok := first[c]; !ok || tl.z < z {
						first[c] = tl.z
					}
				}
			}
		}
		want := map[string]uint8{"motorway": 5, "primary": 7, "minor": 12, "path": 13, "service": 13}
		for c, z := range want {
			if first[c] != z {
				t.Errorf("class %s first at z%d, want z%d (all: %v)", c, first[c], z, first)
			}
		}
	})

	t.Run("names", func(t *testing.T) {
		var road, place *geojson.Feature
		for _, f := range feats[LayerRoads] {
			if f.Properties["name"] == "Rue de la Paix" {
				road = f
			}
		}
		for _, f := range feats[LayerPlaces] {
			if f.Properties["name"] == "Testville" {
				place = f
			}
		}
		if road == nil || place == nil {
			t.Fatalf("road %v, place %v: want both", road, place)
		}
		if road.Properties["name:en"] != "Peace Street" || road.Properties["name:ar"] != "شارع السلام" || road.Properties["class"] != "minor" {
			t.Errorf("road properties %v", road.Properties)
		}
		if _, ok := road.Properties["name:de"]; ok {
			t.Errorf("road has name:de, a language aidmap does not offer: %v", road.Properties)
		}
		if place.Properties["name:ko"] != "테스트시" || place.Properties["class"] != "city" || fmt.Sprint(place.Properties["population"]) != "120000" || place.Properties["rank"] == nil {
			t.Errorf("place properties %v", place.Properties)
		}
		var numbers []string
		for _, f := range feats[LayerHousenumbers] {
			numbers = append(numbers, fmt.Sprint(f.Properties["housenumber"]))
		}
		if s := strings.Join(numbers, ","); !strings.Contains(s, "12") || !strings.Contains(s, "7B") {
			t.Errorf("house numbers %s: want the building's 12 and the node's 7B", s)
		}
	})

	t.Run("orientation points", func(t *testing.T) {
		got := map[string]string{}
		for _, f := range feats[LayerPOIs] {
			got[fmt.Sprint(f.Properties["name"])] = fmt.Sprint(f.Properties["class"])
			if f.Properties["name"] == "Place de la Paix" && f.Properties["name:ar"] != "ساحة السلام" {
				t.Errorf("bus stop properties %v: want its name:ar", f.Properties)
			}
		}
		want := map[string]string{"Place de la Paix": "transit", "Bibliothèque": "library"}
		if !maps.Equal(got, want) {
			t.Errorf("pois %v, want %v (a bench is not one)", got, want)
		}
	})

	t.Run("multipolygon lake has its island", func(t *testing.T) {
		found := false
		for _, tl := range tiles {
			if l := tl.layer(LayerWater); l != nil && tl.z == 15 {
				for _, f := range l.Features {
					if p, ok := f.Geometry.(orb.Polygon); ok && len(p) == 2 && f.Properties["class"] == "lake" && f.Properties["name"] == "Lac" {
						found = true
					}
				}
			}
		}
		if !found {
			t.Error("no lake polygon with one hole at z15")
		}
	})

	t.Run("ocean from the coastline, tiles within the stated bounds", func(t *testing.T) {
		// The fixture's <bounds> box is 2.28-2.42 E, 48.80-48.90 N; the coastline runs west to
		// east near 48.82 N with the sea (on its right) to the south.
		box := orb.Bound{Min: project(2.28, 48.90), Max: project(2.42, 48.80)}
		oceans, seaTile := 0, false
		for _, tl := range tiles {
			n := float64(uint32(1) << tl.z)
			tb := orb.Bound{Min: orb.Point{float64(tl.x) / n, float64(tl.y) / n}, Max: orb.Point{float64(tl.x+1) / n, float64(tl.y+1) / n}}
			if !tb.Intersects(box) {
				t.Errorf("tile %v is outside the extract's bounds", tl)
			}
			if l := tl.layer(LayerWater); l != nil {
				for _, f := range l.Features {
					if f.Properties["class"] == "ocean" {
						oceans++
						if tl.z == 14 && tb.Contains(project(2.35, 48.85)) {
							t.Errorf("ocean in %v, the town's tile north of the coast", tl)
						}
						if p, ok := f.Geometry.(orb.Polygon); ok && tl.z == 14 && tb.Contains(project(2.35, 48.805)) {
							// The tile straddles the box's south edge (48.80 N): sea down to it.
							if a := surveyorArea(p[0]); a < Extent*Extent/4 {
								t.Errorf("ocean in %v, a tile south of the coast, covers %.0f units², want most of the tile", tl, a)
							}
							seaTile = true
						}
					}
				}
			}
		}
		if oceans == 0 || !seaTile {
			t.Errorf("%d ocean polygons, sea tile found %v: want the sea south of the coast", oceans, seaTile)
		}
	})

	t.Run("geometry within extent and buffer, rings wound", func(t *testing.T) {
		lo, hi := float64(-Buffer), float64(Extent+Buffer)
		for _, tl := range tiles {
			for _, l := range tl.layers {
				if l.Extent != Extent {
					t.Errorf("%v %s: extent %d", tl, l.Name, l.Extent)
				}
				for _, f := range l.Features {
					b := f.Geometry.Bound()
					if b.Min[0] < lo || b.Min[1] < lo || b.Max[0] > hi || b.Max[1] > hi {
						t.Errorf("%v %s: feature bound %v outside the buffer", tl, l.Name, b)
					}
					var polys []orb.Polygon
					switch g := f.Geometry.(type) {
					case orb.Polygon:
						polys = []orb.Polygon{g}
					case orb.MultiPolygon:
						polys = g
					}
					for _, p := range polys {
						for i, r := range p {
							if a := surveyorArea(r); (i == 0) != (a > 0) {
								t.Errorf("%v %s: ring %d area %f: exterior must be positive, holes negative", tl, l.Name, i, a)
							}
						}
					}
				}
			}
		}
	})
}

func TestBuildZoomRange(t *testing.T) {
	sum, archive := buildFixture(t, Options{MinZoom: 12, MaxZoom: 14})
	h, _, tiles := readAll(t, archive)
	if h.MinZoom != 12 || h.MaxZoom != 14 || sum.MinZoom != 12 || sum.MaxZoom != 14 {
		t.Fatalf("zooms %d-%d, want 12-14", h.MinZoom, h.MaxZoom)
	}
	for _, tl := range tiles {
		if tl.z < 12 || tl.z > 14 {
			t.Errorf("tile %v outside 12-14", tl)
		}
		if tl.layer(LayerHousenumbers) != nil && tl.z != 14 {
			t.Errorf("tile %v: house numbers below the top zoom", tl)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  Options
		want  string
	}{
		{"csv", "name,lat,lon\nFood bank,1,2\n", Options{}, "not an OpenStreetMap file"},
		{"empty", "", Options{}, "not an OpenStreetMap file"},
		{"html", "<html><body>not osm</body></html>", Options{}, "not an OpenStreetMap file"},
		{"no features", `<?xml version="1.0"?><osm version="0.6"><node id="1" lat="1" lon="1"/></osm>`, Options{}, "no map features"},
		{"bad zooms", `<osm/>`, Options{MinZoom: 10, MaxZoom: 5}, "zooms 10-5"},
		{"zoom too high", `<osm/>`, Options{MaxZoom: 16}, "zooms 0-16"},
		{"bad format", `<osm/>`, Options{Format: "csv"}, `format "csv"`},
		{"truncated xml", `<?xml version="1.0"?><osm version="0.6"><node id="1" lat="1"`, Options{}, "osmbuild: read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.TempDir = t.TempDir()
			_, err := Build(context.Background(), strings.NewReader(tc.input), io.Discard, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(tc.want, "not an OpenStreetMap") && !errors.Is(err, ErrNotOSM) {
				t.Errorf("got %v, want ErrNotOSM", err)
			}
		})
	}
}

func TestBuildFileLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "sites.csv")
	if err := os.WriteFile(in, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "city.pmtiles")
	if _, err := BuildFile(context.Background(), in, out, Options{}); !errors.Is(err, ErrNotOSM) {
		t.Fatalf("got %v, want ErrNotOSM", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after a failed build, want only the input", len(entries))
	}
}

// pbfHead is the start of an OpenStreetMap PBF file: the big-endian length of the first
// BlobHeader, then that header (field 1, type = "OSMHeader"; field 3, datasize).
func pbfHead() []byte {
	hdr := append([]byte{0x0a, 9}, "OSMHeader"...)
	hdr = append(hdr, 0x18, 0x40)
	b := binary.BigEndian.AppendUint32(nil, uint32(len(hdr)))
	return append(b, hdr...)
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"pbf", pbfHead(), FormatPBF},
		{"xml declaration", []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<osm version=\"0.6\">"), FormatXML},
		{"bare osm", []byte("<osm version=\"0.6\">"), FormatXML},
		{"bom and space", []byte("\xef\xbb\xbf  \n<osm>"), FormatXML},
		{"other xml", []byte(`<?xml version="1.0"?><gpx>`), ""},
		{"csv", []byte("id,name\n"), ""},
		{"pmtiles", []byte("PMTiles\x03" + strings.Repeat("\x00", 20)), ""},
		{"short", []byte{0, 0}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sniff(tc.head)
			if got != tc.want || (tc.want == "") != (err != nil) {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestMetadataJSON(t *testing.T) {
	m := metadata("", 0, 15, [4]float64{1, 2, 3, 4}, map[string]int64{LayerRoads: 3})
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"id":"roads"`) || strings.Contains(string(b), `"id":"water"`) {
		t.Errorf("metadata %s: want vector_layers with roads only", b)
	}
}

// TestBuildReproducible builds the same extract several times and wants the same archive
// byte for byte: an operator can check a rebuild against a published archive, and a change
// to the builder shows as a diff in tiles only where it changed something. The extract has
// many boundary ways in one tile, whose order once came from a map.
func TestBuildReproducible(t *testing.T) {
	var osmXML strings.Builder
	osmXML.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6">` + "\n")
	const ways = 12
	for i := range ways + 1 {
		fmt.Fprintf(&osmXML, `<node id="%d" lat="%.6f" lon="%.6f"/>`+"\n", 100+i, 47.14+0.0004*float64(i), 9.52+0.0007*float64(i%3))
	}
	for i := range ways {
		fmt.Fprintf(&osmXML, `<way id="%d"><nd ref="%d"/><nd ref="%d"/><tag k="highway" v="residential"/><tag k="name" v="Street %d"/></way>`+"\n", 200+i, 100+i, 101+i, i)
	}
	osmXML.WriteString(`<relation id="1"><tag k="type" v="boundary"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="4"/>`)
	for i := range ways {
		fmt.Fprintf(&osmXML, `<member type="way" ref="%d" role="outer"/>`, 200+i)
	}
	osmXML.WriteString("</relation>\n</osm>\n")
	build := func(workers int) []byte {
		var out bytes.Buffer
		_, err := Build(context.Background(), strings.NewReader(osmXML.String()), &out, Options{Workers: workers, TempDir: t.TempDir()})
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		return out.Bytes()
	}
	want := build(1)
	for i := range 8 {
		workers := 1 + i%3
		if got := build(workers); !bytes.Equal(got, want) {
			t.Fatalf("build %d (%d workers): %d bytes differ from the first build's %d", i+2, workers, len(got), len(want))
		}
	}
	_, _, tiles := readAll(t, want)
	if len(tiles) == 0 || tiles[len(tiles)-1].layer(LayerBoundaries) == nil {
		t.Fatalf("the top zoom's tiles have no boundaries layer: the test does not test the boundary order")
	}
}
