package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aidmap/aidmap/store"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "Write the store's whole content (organisations and every site, exact coordinates\nincluded) as an NDJSON dump that `aidmap import` reads into another store.", stderr)
	stf := addStoreFlags(fs)
	out := fs.String("out", "-", "file to write, - for standard output; with --format hsds a folder, or a file ending in .zip")
	format := fs.String("format", "ndjson", "ndjson: the whole store, to move it (exact locations included); hsds: an HSDS 3.0 datapackage of the published sites (open data: confidential sites as their area only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "ndjson" && *format != "hsds" {
		return fmt.Errorf("export: --format %q: use ndjson or hsds", *format)
	}
	st, err := stf.open(ctx, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer st.Close()
	if *format == "hsds" {
		return exportHSDS(ctx, st, *out, stderr)
	}
	w := stdout
	var f *os.File
	if *out != "-" {
		// 0600: a dump holds confidential sites' true locations.
		if f, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		w = f
	}
	stats, err := store.Export(ctx, st, w)
	if f != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("export: %w", cerr)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d organisations and %d sites\n", stats.Organizations, stats.Sites)
	return nil
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "Read a dump written by `aidmap export` into the store. Importing the same dump\nagain changes nothing.\n\nUsage: aidmap import [flags] FILE   (- reads standard input)", stderr)
	stf := addStoreFlags(fs)
	files, err := fs.parseWithArgs(args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("import: give one dump file (or - for standard input)")
	}
	var r io.Reader = os.Stdin
	if name := files[0]; name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	st, err := stf.open(ctx, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := store.Import(ctx, st, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "imported %d organisations and %d sites\n", stats.Organizations, stats.Sites)
	return nil
}
