// Package osmbuild builds a vector-tile basemap from an OpenStreetMap extract and writes it as
// a PMTiles v3 archive, so a city can have a street map that works with no tile service on
// the internet (aidmap basemap build).
//
// The archive follows the schema documented in package basemap, which the MapLibre style
// draws: layers water, waterway, landuse, roads, railways, buildings, boundaries, places and
// housenumbers, and pois (stops, hospitals, libraries, community centres), with name and the name:xx tags of the languages aidmap offers. It has no land
// layer: a city archive sits on the embedded world overview's land.
//
// Reading: three passes over the file (relations, then the ways the map and those relations
// need, then the nodes those ways use), so memory holds the coordinates of the nodes the map
// draws (1e-7° lon/lat, 8 bytes a node; ways point at them by a 4-byte index, and the sorted
// IDs the node pass searches are dropped after it) rather than every node of the file. Input is .osm.pbf (dense nodes, as every real extract has: the PBF
// scanner panics on the legacy non-dense form) or .osm XML.
//
// Geometry: closed ways with area tags and multipolygon relations (member ways joined end to
// end into rings, inner rings put in the outer ring that contains them; rings that do not
// close are dropped) become polygons. The sea comes from natural=coastline, walked around the
// extract's stated bounds (see ocean). Boundaries come from admin_level 2 and 4 boundary
// relations and ways, once per way.
//
// Tiling: features are projected to Web Mercator once; each tile clips them with a 64-unit
// buffer (extent 4096), simplifies them (Douglas-Peucker, a pixel below the top zoom, a
// quarter pixel at it), drops lines and rings under a pixel and winds rings as the MVT
// specification says. A feature drawn at one zoom is tried at the next only in the children
// of the tiles it touched. Tiles only cover the extract's bounds; tiles are gzip-compressed,
// identical tiles stored once, runs share a directory entry, and the archive is clustered.
// Tile data is spooled to a temporary file, so memory does not grow with the archive.
//
// Cores: the PBF's blocks are decoded by up to four goroutines (paulmach/osm's osmpbf), and
// tiles are encoded by one encoder per core (Options.Workers), each taking the next tile.
//
// In a PBF whose header says it is sorted by type and ID (Sort.Type_then_ID: osmium sort's
// output, and extracts written that way), each pass reads only the blobs that can hold its
// type (pbfIndex: a blob's first group is found by inflating its front), so the node blocks
// are inflated once, not three times. Other files are read whole by every pass, as before.
//
// Tiling clips each feature from its stored bound, so a feature outside a tile costs no copy
// and one inside no clip. A big feature (64 points or more, spanning more than a tile) keeps
// its piece in each tile it touches, and the children clip it from that piece rather than
// from the whole feature: a sea or a forest costs each z15 tile what lies in its parent.
// Those tiles are the same as clipping the whole feature within a pixel (the cut points
// differ by rounding), checked by TestPiecesMatchWholeFeatures. Properties are interned:
// each distinct set is stored once (propTable) and tiles are written straight to protocol
// buffer bytes (mvtWriter, byte for byte what orb's mvt.Marshal writes). The same extract
// gives the same archive byte for byte (features are made in file and ID order, never a
// map's).
//
// Measured on a shared 2-core machine (BENCHMARKS-tiles.md, third round): Liechtenstein
// (2.4 MB PBF, 293,237 elements) in 1.0-1.1 CPU s at 94-131 MB peak RSS, Delaware (7.45 MB)
// in 3.6-4.2 CPU s at 176-197 MB, a 12 MB merge of real extracts (1.3M elements) in 5.0-5.7
// CPU s at 190-252 MB: 190k-290k elements per CPU second. The live heap peaks during the
// node pass (osmpbf's 32 MB blob buffer, decoded blocks in flight, the node and way tables)
// and grows about 4.7 MB per MB of extract; the peak RSS is about 2.4 times it unless a soft
// memory limit is set (the CLI's --memory), because the collector lets the heap double
// before it runs.
//
// It may import the standard library, paulmach/osm, paulmach/orb and package pmtiles (the
// format code; never go-pmtiles, whose cloud SDKs would double the binary); its tests read
// archives back through packages pmtiles and basemap.
package osmbuild
