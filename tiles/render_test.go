package tiles

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// feature is a decoded tile feature: its point in tile units and its properties.
type feature struct {
	X     int            `json:"x"`
	Y     int            `json:"y"`
	Props map[string]any `json:"properties"`
}

// decode decodes an encoded tile with orb's MVT decoder, an implementation independent of
// ours, and checks the layer's shape.
func decode(t testing.TB, b []byte) []feature {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(layers) != 1 || layers[0].Name != LayerName || layers[0].Extent != Extent || layers[0].Version != 2 {
		t.Fatalf("got layers %+v, want one layer %q, extent %d, version 2", layers, LayerName, Extent)
	}
	var out []feature
	for _, f := range layers[0].Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("got geometry %T, want a point", f.Geometry)
		}
		if p[0] < 0 || p[0] >= Extent || p[1] < 0 || p[1] >= Extent {
			t.Errorf("point %v outside the tile", p)
		}
		out = append(out, feature{X: int(p[0]), Y: int(p[1]), Props: f.Properties})
	}
	return out
}

// count is the number of sites a feature stands for.
func count(t testing.TB, f feature) int {
	if f.Props["cluster"] == true {
		n, ok := f.Props["point_count"].(float64)
		if !ok || n < 2 {
			t.Fatalf("cluster with point_count %v", f.Props["point_count"])
		}
		return int(n)
	}
	return 1
}

// testSites returns n worldwide sites, every seventh confidential, across the antimeridian
// and the poles too, in their public form (as the index holds them).
func testSites(n int, seed uint64) []aidmap.Site {
	return demo.Publisher().PublicSites(rawTestSites(n, seed))
}

// rawTestSites is testSites as stored: confidential sites at their true points.
func rawTestSites(n int, seed uint64) []aidmap.Site {
	sites := demo.World(n, seed)
	for i := range sites {
		if i%7 == 0 {
			sites[i].Confidential = true
		}
	}
	extra := [][2]float64{{0, 180}, {0, -180}, {89.9, 10}, {-89.9, 10}, {85.05, 0}, {-85.05, 179.999}, {0, 0}}
	for i, ll := range extra {
		if i < len(sites) {
			sites[i].Lat, sites[i].Lon = ll[0], ll[1]
		}
	}
	return sites
}

// tileOf returns the tile of a point at zoom z by the reference formula, and false beyond the
// mercator limit.
func tileOf(lat, lon float64, z int) (x, y int, ok bool) {
	if math.Abs(lat) > maxMercatorLat {
		return 0, 0, false
	}
	n := float64(uint64(1) << uint(z))
	x = int(math.Floor((lon + 180) / 360 * n))
	if x >= int(n) {
		x -= int(n)
	}
	r := lat * math.Pi / 180
	y = int(math.Floor((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n))
	return x, y, y >= 0 && y < int(n)
}

func TestCheckTile(t *testing.T) {
	for _, tc := range []struct {
		z, x, y int
		field   string
	}{
		{0, 0, 0, ""},
		{22, 1<<22 - 1, 0, ""},
		{23, 0, 0, "z"},
		{-1, 0, 0, "z"},
		{1, 2, 0, "x"},
		{1, -1, 0, "x"},
		{1, 0, 2, "y"},
		{3, 7, -1, "y"},
	} {
		t.Run(fmt.Sprintf("%d/%d/%d", tc.z, tc.x, tc.y), func(t *testing.T) {
			err := CheckTile(tc.z, tc.x, tc.y)
			var fe *aidmap.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("got %v, want nil", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, aidmap.ErrInvalid)):
				t.Fatalf("got %v, want a field error naming %s", err, tc.field)
			}
		})
	}
}

// TestClusterCounts checks, for random data and filters, that at every zoom the counts of
// all tiles sum to the number of matching sites, that no tile below IndividualZoom has more
// features than grid cells, and that from IndividualZoom every site is its own feature at its
// public point with its properties.
func TestClusterCounts(t *testing.T) {
	sites := testSites(3000, 7)
	ix := geo.NewIndex(sites, 1)
	r := rand.New(rand.NewPCG(1, 2))
	filters := []geo.Filter{{}, {Categories: aidmap.NewCategorySet(aidmap.CategoryShelter)}}
	for range 2 {
		filters = append(filters, geo.Filter{Categories: aidmap.CategorySet(r.Uint32N(1 << 15))})
	}
	for _, f := range filters {
		var want []*aidmap.Site
		for i := range sites {
			if f.Categories == 0 || sites[i].CategorySet()&f.Categories != 0 {
				want = append(want, &sites[i])
			}
		}
		for z := 0; z <= IndividualZoom+1; z++ {
			t.Run(fmt.Sprintf("cats=%x/z%d", f.Categories, z), func(t *testing.T) {
				byTile := map[[2]int][]*aidmap.Site{}
				inMercator := 0
				for _, s := range want {
					lat, lon := s.Lat, s.Lon
					if x, y, ok := tileOf(lat, lon, z); ok {
						byTile[[2]int{x, y}] = append(byTile[[2]int{x, y}], s)
						inMercator++
					}
				}
				total := 0
				for xy, ts := range byTile {
					b, err := Render(nil, ix, z, xy[0], xy[1], f)
					if err != nil {
						t.Fatal(err)
					}
					feats := decode(t, b)
					n := 0
					for _, ft := range feats {
						n += count(t, ft)
					}
					if n != len(ts) {
						t.Errorf("tile %d/%d/%d: counts sum to %d, want %d", z, xy[0], xy[1], n, len(ts))
					}
					total += n
					if z < IndividualZoom && len(feats) > gridSide*gridSide {
						t.Errorf("tile %d/%d/%d: %d features, want at most %d", z, xy[0], xy[1], len(feats), gridSide*gridSide)
					}
					if z >= IndividualZoom {
						checkIndividual(t, z, xy[0], xy[1], feats, ts)
					}
				}
				if total != inMercator {
					t.Errorf("all tiles count %d sites, want %d", total, inMercator)
				}
			})
		}
	}
}

// checkIndividual checks that feats are exactly the sites ts, each at its public point.
func checkIndividual(t *testing.T, z, x, y int, feats []feature, ts []*aidmap.Site) {
	t.Helper()
	byID := map[string]feature{}
	for _, f := range feats {
		byID[f.Props["id"].(string)] = f
	}
	if len(byID) != len(ts) {
		t.Errorf("tile %d/%d/%d: %d distinct sites, want %d", z, x, y, len(byID), len(ts))
	}
	n := math.Exp2(float64(z))
	for _, s := range ts {
		f, ok := byID[s.ID]
		if !ok {
			t.Errorf("tile %d/%d/%d: site %s missing", z, x, y, s.ID)
			continue
		}
		lat, lon := s.Lat, s.Lon
		wx, wy := project(lat, lon)
		if ex, ey := (wx*n-float64(x))*Extent, (wy*n-float64(y))*Extent; math.Abs(ex-float64(f.X)) > 1 || math.Abs(ey-float64(f.Y)) > 1 {
			t.Errorf("site %s at %d,%d, want %.1f,%.1f", s.ID, f.X, f.Y, ex, ey)
		}
		precision := s.Precision
		if s.Confidential {
			precision = aidmap.PrecisionLocality
		}
		wantProps := map[string]any{
			"id": s.ID, "name": s.Name, "categories": categoryList(s.CategorySet()),
			"status": string(s.Status), "precision": string(precision),
			"approximate": s.Confidential || precision.Approximate(), "confidential": s.Confidential,
		}
		for k, v := range wantProps {
			if f.Props[k] != v {
				t.Errorf("site %s: %s = %v, want %v", s.ID, k, f.Props[k], v)
			}
		}
	}
}

// TestConfidentialAreaOnly checks that at every zoom a confidential site appears only at its
// area point: its true point is never the position of any site feature.
func TestConfidentialAreaOnly(t *testing.T) {
	sites := rawTestSites(400, 11)
	var conf, public []aidmap.Site
	for _, s := range sites {
		if s.Confidential {
			s.Lat, s.Lon = s.Lat+0.031, s.Lon+0.047 // away from the area cell's centre
			conf = append(conf, s)
			public = append(public, demo.Publisher().Public(&s))
		}
	}
	ix := geo.NewIndex(public, 1)
	for z := 0; z <= 18; z++ {
		for i, s := range conf {
			lat, lon := public[i].Lat, public[i].Lon
			x, y, ok := tileOf(lat, lon, z)
			if !ok {
				continue
			}
			b, err := Render(nil, ix, z, x, y, geo.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			n := math.Exp2(float64(z))
			twx, twy := project(s.Lat, s.Lon)
			for _, f := range decode(t, b) {
				if f.Props["cluster"] == true {
					continue
				}
				if f.Props["confidential"] != true || f.Props["precision"] != "locality" || f.Props["approximate"] != true {
					t.Fatalf("z%d: confidential site published as %v", z, f.Props)
				}
				if z >= 12 && math.Abs((twx*n-float64(x))*Extent-float64(f.X)) < 2 && math.Abs((twy*n-float64(y))*Extent-float64(f.Y)) < 2 {
					t.Fatalf("z%d: a feature sits at the true point of %s", z, s.ID)
				}
			}
		}
	}
}

// TestGolden compares decoded tiles of a fixed city with testdata/golden; run with -update to
// rewrite them after an intended change.
func TestGolden(t *testing.T) {
	sites := demo.Sites(300, 42)
	sites[0].Confidential = true
	sites = demo.Publisher().PublicSites(sites)
	ix := geo.NewIndex(sites, 1)
	lat, lon := sites[1].Lat, sites[1].Lon
	for _, tc := range []struct {
		name string
		z    int
		f    geo.Filter
	}{
		{"z3", 3, geo.Filter{}},
		{"z9", 9, geo.Filter{}},
		{"z12", 12, geo.Filter{}},
		{"z12-food", 12, geo.Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryFoodBank)}},
		{"z14", 14, geo.Filter{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y, _ := tileOf(lat, lon, tc.z)
			b, err := Render(nil, ix, tc.z, x, y, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			got := decode(t, b)
			slices.SortStableFunc(got, func(a, b feature) int { return (a.Y*Extent + a.X) - (b.Y*Extent + b.X) })
			gotJSON, _ := json.MarshalIndent(struct {
				Tile     string    `json:"tile"`
				Features []feature `json:"features"`
			}{fmt.Sprintf("%d/%d/%d", tc.z, x, y), got}, "", "  ")
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(gotJSON, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != string(gotJSON)+"\n" {
				t.Errorf("tile %s differs from %s:\n%s", tc.name, path, gotJSON)
			}
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	ix := geo.NewIndex(demo.Sites(50, 1), 1)
	b, err := Render(nil, ix, 10, 0, 0, geo.Filter{})
	if err != nil || len(b) != 0 {
		t.Fatalf("got %d bytes, %v; want an empty tile", len(b), err)
	}
	if _, err := Render(nil, ix, 23, 0, 0, geo.Filter{}); err == nil {
		t.Fatal("z23 rendered, want an error")
	}
}
