package basemap

import (
	_ "embed"
	"sync"
)

// world is the default world overview (see doc.go and gen/), generated and committed.
//
//go:embed world.pmtiles
var world []byte

// WorldSources says which packages the default basemap came from, with their licences: text
// for an attribution page.
//
//go:embed world-sources.txt
var WorldSources string

var defaultArchive = sync.OnceValues(func() (*Archive, error) {
	return OpenBytes("embedded world basemap", world)
})

// Default returns the world overview built into the binary: land, country and US state
// borders, country, state and city labels for zooms 0-6. It is what the map shows when no
// --basemap is given, so a fresh start is never blank. An error means the binary was built
// with a broken archive (a test catches that).
func Default() (*Archive, error) { return defaultArchive() }
