package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/feed"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/tiles"
)

const tilesSummary = `Work with the sites layer as vector tiles (the layer /tiles/sites serves).

Usage:
  aidmap tiles export --out sites.pmtiles [--minzoom 0 --maxzoom 16] [--category food_bank,...]
      write the sites layer as one PMTiles v3 archive for a static host or CDN: the same
      tiles the server makes (clustered below zoom 14, confidential sites only at their
      area), tiles with no site left out`

func runTiles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "tiles", tilesSummary, map[string]runFunc{"export": runTilesExport}, args, stdout, stderr)
}

func runTilesExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tiles export", tilesSummary, stderr)
	stf := addStoreFlags(fs)
	out := fs.String("out", "sites.pmtiles", "PMTiles file to write (replaced when it exists)")
	minZoom := fs.Int("minzoom", 0, "lowest zoom to write")
	maxZoom := fs.Int("maxzoom", 16, fmt.Sprintf("highest zoom to write, at most %d (from %d every site is its own feature)", tiles.MaxZoom, tiles.IndividualZoom))
	category := fs.String("category", "", "only sites of these categories, comma-separated slugs; empty for all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *minZoom < 0 || *maxZoom > tiles.MaxZoom || *minZoom > *maxZoom {
		return fmt.Errorf("--minzoom %d --maxzoom %d: want 0 <= minzoom <= maxzoom <= %d", *minZoom, *maxZoom, tiles.MaxZoom)
	}
	if *out == "" {
		return errors.New("--out is empty; give the PMTiles file to write")
	}
	var f geo.Filter
	for _, part := range strings.Split(*category, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		c, err := aidmap.ParseCategory(part)
		if err != nil {
			return fmt.Errorf("--category: %w (see aidmap serve's /api/v1/categories)", err)
		}
		f.Categories |= aidmap.NewCategorySet(c)
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := stf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	pub, err := publisher(ctx, st)
	if err != nil {
		return err
	}
	follower := feed.New(st, pub, logger, time.Second)
	if err := follower.Load(ctx); err != nil {
		return err
	}
	ix := follower.Index()
	fmt.Fprintf(stderr, "%d sites from %s, zooms %d-%d\n", ix.Len(), stf.describe(), *minZoom, *maxZoom)

	// Write beside the target and rename, so a failed export never leaves half an archive
	// where a static host would serve it.
	dir := filepath.Dir(*out)
	tmp, err := os.CreateTemp(dir, ".aidmap-export-*.pmtiles")
	if err != nil {
		return fmt.Errorf("tiles export: %w", err)
	}
	defer os.Remove(tmp.Name())
	start := time.Now()
	stats, err := tiles.Export(tmp, ix, tiles.ExportOptions{
		MinZoom: *minZoom, MaxZoom: *maxZoom, Filter: f, TempDir: dir,
		Progress: func(z, n int) {
			fmt.Fprintf(stderr, "zoom %2d done: %d tiles (%s)\n", z, n, time.Since(start).Round(time.Millisecond))
		},
	})
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tiles export: %w", cerr)
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("tiles export: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("tiles export: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d tiles, %d bytes of tiles, in %s\n", *out, stats.Tiles, stats.TileBytes, time.Since(start).Round(time.Millisecond))
	return nil
}
