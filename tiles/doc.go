// Package tiles publishes the sites of the in-memory index (geo) as Mapbox Vector Tiles: one
// layer, "sites", rendered per request from the index with a lean hand-written point encoder,
// clustered at low zoom, cached by index version, described by TileJSON and exported as a
// PMTiles v3 archive for static hosting. What it may import is in ARCHITECTURE.md (checked by
// internal/archtest); HTTP lives in web, flags in cmd/aidmap.
//
// # Tiles
//
// Tiles are addressed z/x/y in the XYZ (Google/OSM) scheme over Web Mercator (EPSG:3857), with
// 0 <= z <= MaxZoom. Coordinates inside a tile use an extent of 4096 and no buffer: every site
// falls in exactly one tile per zoom (tile edges are half-open, west and north inclusive, and
// longitude 180 is -180). Sites beyond Web Mercator's latitude limit (about ±85.0511°) are in
// no tile. A site is placed at its indexed point: the index holds only public forms
// (aidmap.Publisher.Public), so a confidential site is only ever published at its area pin.
//
// # Layer "sites": features and properties
//
// Every feature is a point. From zoom IndividualZoom (14) up, every site matching the filter
// is its own feature. Below it, sites are grouped by a grid of 16x16 cells per tile (256 tile
// units, 32 px of a 512 px tile): a cell holding one site gives that site's feature, a cell
// holding more gives one cluster feature at the mean position of its sites. So the number of
// features per tile is at most 256 below zoom 14 and tiles stay small at any number of sites.
//
// A site feature has:
//
//	id            string  the site ID (a UUID; use MapLibre's promoteId: "id")
//	name          string
//	categories    string  the site's category slugs, comma-separated, in taxonomy order
//	status        string  active | temporarily_closed | closed
//	precision     string  precision of the published point: exact, address, interpolated,
//	                      street, postal_code, locality (always locality when confidential)
//	approximate   bool    the point is not the site's own door (confidential or coarse)
//	confidential  bool    the point is an area, never the true location
//
// Drawn with places (RenderPlaces, #19), the one site feature standing for a place of several
// sites (other providers' records of the same building) also has:
//
//	place         string  the place's ID (/api/v1/places/{id})
//	providers     uint    organisations with a site at the place (>= 1)
//	sites         uint    the place's sites (>= 2); its other sites have no feature
//
// and clusters count places, not sites. A confidential site is never part of a place.
//
// A cluster feature has:
//
//	cluster       bool    true (absent on site features)
//	point_count   uint    number of sites in the cluster (>= 2)
//	categories    string  union of the sites' category slugs, comma-separated
//	count_<slug>  uint    sites of each category present, e.g. count_food_bank, count_shelter
//	                      (a site with two categories counts in both, so these can sum to more
//	                      than point_count)
//
// The sum over a tile's features of point_count (1 for a site feature) is the number of
// matching sites in the tile (of places, drawn with places), at every zoom.
//
// Tiles carry no MVT feature IDs: site IDs are UUIDs, which do not fit the uint64 field.
package tiles
