package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aidmap/aidmap/basemap"
)

// basemapFlags choose the map's background for serve.
type basemapFlags struct {
	location *string
}

func addBasemapFlags(fs *flagSet) basemapFlags {
	return basemapFlags{
		location: fs.String("basemap", "", "PMTiles v3 archive for the map's background (streets, water, place names): a file such as one from `aidmap basemap build`, or an http(s) URL that serves ranges; empty: the world overview built into the binary"),
	}
}

// open opens the configured archive, or returns the embedded world overview when none is
// configured. A file that is missing, empty, not PMTiles or of another version stops the
// start with a message that names the flag.
func (bf basemapFlags) open(ctx context.Context, logger *slog.Logger) (*basemap.Archive, error) {
	loc := *bf.location
	if loc == "" {
		a, err := basemap.Default()
		if err != nil {
			return nil, fmt.Errorf("embedded basemap: %w", err)
		}
		return a, nil
	}
	a, err := basemap.Open(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("--basemap: %w (give a PMTiles v3 file, or leave --basemap and AIDMAP_BASEMAP empty for the built-in world map)", err)
	}
	info := a.Info()
	logger.Info("basemap", "archive", loc, "format", info.Format, "zooms", fmt.Sprintf("%d-%d", info.MinZoom, info.MaxZoom), "tiles", info.Tiles, "bounds", info.Bounds)
	return a, nil
}
