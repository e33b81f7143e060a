// Package osmbuild builds a vector-tile basemap from an OpenStreetMap extract and writes it as
// a PMTiles v3 archive, so a city can have a street map that works with no tile service on
// the internet (aidmap basemap build).
//
// The archive follows the schema documented in package basemap, which the MapLibre style
// draws: layers water, waterway, landuse, roads, railways, buildings, boundaries, places and
// housenumbers, with name and name:xx for the languages aidmap supports.
//
// The extract is read in three passes (relations, then the ways they and the map need, then
// the nodes those ways use), so memory holds the coordinates of the nodes the map draws (8
// bytes each, in a sorted array) rather than every node of the file. Features are projected
// to Web Mercator once, then each tile clips, simplifies (about one pixel) and encodes the
// features that touch it; tiles are gzip-compressed, identical tiles are stored once, and the
// archive is clustered (tile data in tile-ID order).
//
// It may import the standard library, paulmach/osm, paulmach/orb and go-pmtiles' format
// helpers; not the rest of aidmap.
package osmbuild
