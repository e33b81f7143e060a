package osmbuild

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/osm"
)

// Layer names of the basemap schema (package basemap documents them for the style).
const (
	LayerWater        = "water"
	LayerWaterway     = "waterway"
	LayerLanduse      = "landuse"
	LayerRoads        = "roads"
	LayerRailways     = "railways"
	LayerBuildings    = "buildings"
	LayerBoundaries   = "boundaries"
	LayerPlaces       = "places"
	LayerHousenumbers = "housenumbers"
	LayerPOIs         = "pois"
)

// Languages are the name:xx tags copied into features, the languages aidmap's interface
// supports; the style picks name:<user's language> and falls back to name.
var Languages = []string{"en", "fr", "es", "ar", "fa", "uk", "zh", "zh-Hans", "zh-Hant", "pa", "tl", "vi", "ko"}

// layerInfo describes a layer for the archive's vector_layers metadata.
type layerInfo struct {
	name        string
	minZoom     int
	maxZoom     int
	description string
	fields      map[string]string
}

func nameFields(f map[string]string) map[string]string {
	f["name"] = "String"
	for _, l := range Languages {
		f["name:"+l] = "String"
	}
	return f
}

// layers lists the schema in drawing order (bottom first); the tiles hold layers in this order.
var layers = []layerInfo{
	{LayerWater, 0, MaxZoom, "water areas: class ocean, lake, river, reservoir", nameFields(map[string]string{"class": "String"})},
	{LayerLanduse, 8, MaxZoom, "land use and parks: class park, forest, grass, residential, commercial, industrial, cemetery, hospital, school, university", map[string]string{"class": "String", "name": "String"}},
	{LayerWaterway, 9, MaxZoom, "rivers, streams and canals as lines: class river, stream, canal", nameFields(map[string]string{"class": "String"})},
	{LayerBuildings, 13, MaxZoom, "building outlines; height in metres when OpenStreetMap has it", map[string]string{"height": "Number"}},
	{LayerRailways, 8, MaxZoom, "railway lines: class rail, subway, light_rail, tram", map[string]string{"class": "String", "name": "String"}},
	{LayerRoads, 5, MaxZoom, "roads by class: motorway, trunk, primary, secondary, tertiary, minor, service, path; oneway, bridge and tunnel are 1 when set", nameFields(map[string]string{"class": "String", "ref": "String", "oneway": "Number", "bridge": "Number", "tunnel": "Number"})},
	{LayerBoundaries, 0, MaxZoom, "administrative boundaries: admin_level 2 (countries) and 4 (states, provinces); maritime 1 for sea borders", map[string]string{"admin_level": "Number", "maritime": "Number"}},
	{LayerPlaces, 1, MaxZoom, "place labels: class country, state, city, town, village, suburb, neighbourhood; rank 1 (most important) to 10", nameFields(map[string]string{"class": "String", "population": "Number", "rank": "Number"})},
	{LayerHousenumbers, MaxZoom, MaxZoom, "house numbers at building or address points", map[string]string{"housenumber": "String"}},
	{LayerPOIs, 13, MaxZoom, "places that help people find their way: class transit (bus, tram and train stops, stations), hospital, clinic, library, community_centre, townhall, police, pharmacy", nameFields(map[string]string{"class": "String"})},
}

func layerIndex(name string) uint8 {
	for i, l := range layers {
		if l.name == name {
			return uint8(i)
		}
	}
	panic("osmbuild: unknown layer " + name) // a programming error: the schema is fixed
}

// spec is what one OSM element contributes to one layer.
type spec struct {
	layer   uint8
	area    bool // a polygon; otherwise a line (ways) or a point (nodes, house numbers)
	minZoom uint8
	level   uint8              // boundaries: the admin level
	set     uint32             // props in the build's propTable, once the reader keeps the spec
	props   geojson.Properties // as the tags give them; nil once interned
}

// names copies name and the supported name:xx tags.
func names(tags osm.Tags, p geojson.Properties) geojson.Properties {
	if v := tags.Find("name"); v != "" {
		p["name"] = v
	}
	for _, l := range Languages {
		if v := tags.Find("name:" + l); v != "" {
			p["name:"+l] = v
		}
	}
	return p
}

// roadClasses maps highway=* to the schema's class and the first zoom it is drawn at (the
// schema's: motorways and trunks from z5, every street from z12, footpaths and service roads
// from z13; links a few zooms after their road).
var roadClasses = map[string]struct {
	class string
	zoom  uint8
}{
	"motorway": {"motorway", 5}, "motorway_link": {"motorway", 9},
	"trunk": {"trunk", 5}, "trunk_link": {"trunk", 9},
	"primary": {"primary", 7}, "primary_link": {"primary", 10},
	"secondary": {"secondary", 9}, "secondary_link": {"secondary", 11},
	"tertiary": {"tertiary", 9}, "tertiary_link": {"tertiary", 11},
	"unclassified": {"minor", 12}, "residential": {"minor", 12}, "living_street": {"minor", 12}, "road": {"minor", 12},
	"service": {"service", 13}, "busway": {"service", 13},
	"pedestrian": {"path", 13}, "footway": {"path", 13}, "path": {"path", 13}, "cycleway": {"path", 13},
	"steps": {"path", 13}, "track": {"path", 13}, "bridleway": {"path", 13}, "corridor": {"path", 13},
}

// railClasses maps railway=* to the schema's class and first zoom.
var railClasses = map[string]struct {
	class string
	zoom  uint8
}{
	"rail": {"rail", 8}, "narrow_gauge": {"rail", 10}, "subway": {"subway", 11}, "light_rail": {"light_rail", 11},
	"monorail": {"light_rail", 11}, "funicular": {"light_rail", 12}, "tram": {"tram", 12},
}

var waterwayClasses = map[string]struct {
	class string
	zoom  uint8
}{
	"river": {"river", 9}, "canal": {"canal", 10}, "stream": {"stream", 12}, "drain": {"stream", 14}, "ditch": {"stream", 14},
}

// landuseClass maps an area's tags to the landuse layer's class, or "".
func landuseClass(tags osm.Tags) (string, uint8) {
	switch tags.Find("leisure") {
	case "park", "garden", "nature_reserve", "playground", "dog_park":
		return "park", 8
	case "pitch", "golf_course", "recreation_ground":
		return "grass", 12
	}
	switch tags.Find("landuse") {
	case "forest":
		return "forest", 8
	case "grass", "meadow", "village_green", "recreation_ground", "allotments", "flowerbed":
		return "grass", 8
	case "residential":
		return "residential", 8
	case "commercial", "retail":
		return "commercial", 8
	case "industrial", "railway", "port":
		return "industrial", 8
	case "cemetery":
		return "cemetery", 8
	}
	switch tags.Find("natural") {
	case "wood":
		return "forest", 8
	case "grassland", "heath", "scrub":
		return "grass", 8
	}
	switch tags.Find("amenity") {
	case "grave_yard":
		return "cemetery", 12
	case "hospital":
		return "hospital", 12
	case "school", "kindergarten":
		return "school", 12
	case "university", "college":
		return "university", 12
	}
	return "", 0
}

// waterClass maps an area's tags to the water layer's class, or "".
func waterClass(tags osm.Tags) string {
	if tags.Find("natural") == "water" || tags.Find("waterway") == "riverbank" || tags.Find("landuse") == "basin" {
		switch tags.Find("water") {
		case "river", "canal", "stream", "oxbow":
			return "river"
		case "reservoir", "basin":
			return "reservoir"
		}
		if tags.Find("waterway") == "riverbank" {
			return "river"
		}
		if tags.Find("landuse") == "basin" {
			return "reservoir"
		}
		return "lake"
	}
	if tags.Find("landuse") == "reservoir" {
		return "reservoir"
	}
	if tags.Find("natural") == "bay" || tags.Find("place") == "sea" {
		return "ocean"
	}
	return ""
}

// areaSpecs are the polygon layers an area (a closed way or a multipolygon relation) belongs to.
func areaSpecs(tags osm.Tags, out []spec) []spec {
	if c := waterClass(tags); c != "" {
		out = append(out, spec{layer: layerIndex(LayerWater), area: true, props: names(tags, geojson.Properties{"class": c})})
	}
	if c, z := landuseClass(tags); c != "" {
		p := geojson.Properties{"class": c}
		if n := tags.Find("name"); n != "" {
			p["name"] = n
		}
		out = append(out, spec{layer: layerIndex(LayerLanduse), area: true, minZoom: z, props: p})
	}
	if b := tags.Find("building"); b != "" && b != "no" {
		p := geojson.Properties{}
		if h, ok := metres(tags.Find("height")); ok {
			p["height"] = h
		}
		out = append(out, spec{layer: layerIndex(LayerBuildings), area: true, minZoom: 13, props: p})
	}
	return out
}

// isArea reports whether a closed way is an area rather than a loop of road or rail.
func isArea(tags osm.Tags) bool {
	switch tags.Find("area") {
	case "yes":
		return true
	case "no":
		return false
	}
	return tags.Find("highway") == "" && tags.Find("railway") == "" && tags.Find("barrier") == "" &&
		tags.Find("waterway") != "river" && tags.Find("waterway") != "stream" && tags.Find("waterway") != "canal"
}

// waySpecs are the layers a way belongs to on its own tags.
func waySpecs(tags osm.Tags, closed bool) []spec {
	var out []spec
	if closed && isArea(tags) {
		out = areaSpecs(tags, out)
	}
	if h, ok := roadClasses[tags.Find("highway")]; ok && tags.Find("area") != "yes" {
		p := names(tags, geojson.Properties{"class": h.class})
		if v := tags.Find("ref"); v != "" {
			p["ref"] = v
		}
		for _, k := range []string{"oneway", "bridge", "tunnel"} {
			if yes(tags.Find(k)) {
				p[k] = 1
			}
		}
		out = append(out, spec{layer: layerIndex(LayerRoads), minZoom: h.zoom, props: p})
	}
	if r, ok := railClasses[tags.Find("railway")]; ok {
		z := r.zoom
		if tags.Find("service") != "" || tags.Find("usage") == "industrial" {
			z = max(z, 13) // sidings, yards and spurs
		}
		p := geojson.Properties{"class": r.class}
		if n := tags.Find("name"); n != "" {
			p["name"] = n
		}
		out = append(out, spec{layer: layerIndex(LayerRailways), minZoom: z, props: p})
	}
	if w, ok := waterwayClasses[tags.Find("waterway")]; ok && tags.Find("tunnel") != "culvert" {
		out = append(out, spec{layer: layerIndex(LayerWaterway), minZoom: w.zoom, props: names(tags, geojson.Properties{"class": w.class})})
	}
	if l := adminLevel(tags); l != 0 && tags.Find("boundary") == "administrative" {
		p := geojson.Properties{"admin_level": l}
		if yes(tags.Find("maritime")) {
			p["maritime"] = 1
		}
		out = append(out, spec{layer: layerIndex(LayerBoundaries), minZoom: boundaryZoom(l), level: uint8(l), props: p})
	}
	if n := tags.Find("addr:housenumber"); n != "" {
		out = append(out, spec{layer: layerIndex(LayerHousenumbers), minZoom: MaxZoom, props: geojson.Properties{"housenumber": n}})
	}
	if closed {
		if s, ok := poiSpec(tags); ok { // a hospital or library drawn as its outline: a point at its centre
			out = append(out, s)
		}
	}
	return out
}

// adminLevel is 2 or 4 for the boundaries the schema keeps, else 0.
func adminLevel(tags osm.Tags) int {
	switch tags.Find("admin_level") {
	case "2":
		return 2
	case "4":
		return 4
	}
	return 0
}

func boundaryZoom(level int) uint8 {
	if level == 2 {
		return 0
	}
	return 3
}

// placeClasses maps place=* to the schema's class, its rank (1 most important) and the first
// zoom its label shows at.
var placeClasses = map[string]struct {
	class string
	rank  int
	zoom  uint8
}{
	"country": {"country", 1, 1}, "state": {"state", 2, 4}, "province": {"state", 2, 4},
	"city": {"city", 3, 5}, "town": {"town", 5, 8}, "village": {"village", 7, 11},
	"suburb": {"suburb", 8, 11}, "borough": {"suburb", 8, 11}, "quarter": {"neighbourhood", 9, 13},
	"neighbourhood": {"neighbourhood", 9, 13},
}

// poiSpec is the pois layer's spec for a landmark a newcomer finds their way by (a stop, a
// hospital, a library), or false. Stops show from z15, where streets have their names, and
// the rest from z13; their names come in every language the page offers.
func poiSpec(tags osm.Tags) (spec, bool) {
	class, zoom := "", uint8(13)
	switch {
	case tags.Find("highway") == "bus_stop", tags.Find("railway") == "tram_stop",
		tags.Find("public_transport") == "platform" && tags.Find("name") != "":
		class, zoom = "transit", 15
	case tags.Find("railway") == "station", tags.Find("railway") == "halt", tags.Find("amenity") == "bus_station",
		tags.Find("public_transport") == "station":
		class, zoom = "transit", 13
	}
	switch a := tags.Find("amenity"); a {
	case "hospital", "clinic", "library", "community_centre", "townhall", "police", "pharmacy":
		class = a
		if a == "pharmacy" || a == "clinic" {
			zoom = 15
		}
	}
	if class == "" {
		return spec{}, false
	}
	return spec{layer: layerIndex(LayerPOIs), minZoom: zoom, props: names(tags, geojson.Properties{"class": class})}, true
}

// nodeSpecs are the point layers a node belongs to.
func nodeSpecs(tags osm.Tags) []spec {
	var out []spec
	if p, ok := placeClasses[tags.Find("place")]; ok && tags.Find("name") != "" {
		props := names(tags, geojson.Properties{"class": p.class})
		rank := p.rank
		if v := tags.Find("population"); v != "" {
			if n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(v), ",", ""), 10, 64); err == nil && n >= 0 {
				props["population"] = n
				// A big city outranks a small one, a big town a small city.
				switch {
				case p.class == "city" && n >= 1_000_000:
					rank--
				case (p.class == "city" || p.class == "town") && n < 50_000:
					rank++
				}
			}
		}
		if tags.Find("capital") == "yes" && p.class == "city" {
			rank = 2
		}
		props["rank"] = rank
		out = append(out, spec{layer: layerIndex(LayerPlaces), minZoom: min(p.zoom, uint8(2*rank)), props: props})
	}
	if s, ok := poiSpec(tags); ok {
		out = append(out, s)
	}
	if n := tags.Find("addr:housenumber"); n != "" {
		out = append(out, spec{layer: layerIndex(LayerHousenumbers), minZoom: MaxZoom, props: geojson.Properties{"housenumber": n}})
	}
	return out
}

// relationSpecs are the layers of a multipolygon relation's assembled area.
func relationSpecs(tags osm.Tags) []spec {
	if t := tags.Find("type"); t != "multipolygon" {
		return nil
	}
	return areaSpecs(tags, nil)
}

// boundaryRelation reports the admin level of a boundary relation the schema keeps.
func boundaryRelation(tags osm.Tags) int {
	if tags.Find("type") != "boundary" || tags.Find("boundary") != "administrative" {
		return 0
	}
	return adminLevel(tags)
}

// yes reports an OpenStreetMap true value.
func yes(v string) bool { return v == "yes" || v == "1" || v == "true" }

// metres reads a height such as "12", "12.5 m" or "12m"; other units (feet) are left out
// rather than guessed.
func metres(v string) (float64, bool) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "m"))
	h, err := strconv.ParseFloat(v, 64)
	if err != nil || h <= 0 || h > 1000 || math.IsNaN(h) {
		return 0, false
	}
	return h, true
}
