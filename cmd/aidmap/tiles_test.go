package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/pmtiles"
)

// TestTilesExport exports a store's sites and reads the archive back with package pmtiles
// (checked against go-pmtiles in internal/pmtilescompat): every
// zoom accounts for every site.
func TestTilesExport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	org := demo.Organization()
	org.CreatedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.UpsertOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	sites := demo.Sites(120, 3)
	if _, err := st.UpsertSites(ctx, org.ID, sites); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(dir, "sites.pmtiles")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"tiles", "export", "--data-dir", dir, "--out", out, "--minzoom", "2", "--maxzoom", "15"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote "+out) || !strings.Contains(stderr.String(), "120 sites") {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	h, err := pmtiles.ParseHeader(data)
	if err != nil || h.MinZoom != 2 || h.MaxZoom != 15 || h.TileType != pmtiles.MVT {
		t.Fatalf("header %+v, %v", h, err)
	}
	perZoom := map[uint8]int{}
	err = pmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return data[off : off+n], nil }, func(e pmtiles.Entry) {
		z, _, _ := pmtiles.IDToZxy(e.TileID)
		zr, err := gzip.NewReader(bytes.NewReader(data[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		layers, err := mvt.Unmarshal(raw)
		if err != nil || len(layers) != 1 {
			t.Fatalf("tile %d: %v", e.TileID, err)
		}
		for _, f := range layers[0].Features {
			if n, ok := f.Properties["point_count"].(float64); ok {
				perZoom[z] += int(n)
			} else {
				perZoom[z]++
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for z := uint8(2); z <= 15; z++ {
		if perZoom[z] != len(sites) {
			t.Errorf("z%d: %d sites in the archive, want %d", z, perZoom[z], len(sites))
		}
	}
}

func TestTilesExportBadArgs(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"tiles"}, ""},
		{"unknown subcommand", []string{"tiles", "serve"}, ""},
		{"zoom too high", []string{"tiles", "export", "--data-dir", dir, "--maxzoom", "23"}, "--maxzoom"},
		{"zooms reversed", []string{"tiles", "export", "--data-dir", dir, "--minzoom", "5", "--maxzoom", "4"}, "--minzoom"},
		{"bad category", []string{"tiles", "export", "--data-dir", dir, "--category", "soup"}, "--category"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if err == nil {
				t.Fatal("got no error")
			}
			if tc.want == "" && !errors.Is(err, errUsage) || tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "sites.pmtiles")); err == nil {
		t.Error("a failed export left a file")
	}
}
