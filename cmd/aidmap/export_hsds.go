package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/store"
)

// exportHSDS writes the store's published sites as an HSDS 3.0 datapackage: a folder, or a
// zip archive when out ends in .zip. Unlike the NDJSON dump it is open data: confidential
// sites are in it only as their area, as in the API. A place of several providers (#19) is
// one location with each provider's service at it, as in the API.
func exportHSDS(ctx context.Context, st store.Store, out string, stderr io.Writer) error {
	if out == "" || out == "-" {
		return errors.New("export: --format hsds writes a folder or a .zip file; give --out DIR or --out FILE.zip")
	}
	dir := out
	zipped := strings.EqualFold(strings.TrimSpace(out[max(0, len(out)-4):]), ".zip")
	if zipped {
		tmp, err := os.MkdirTemp("", "aidmap-hsds-")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	orgs, err := st.Organizations(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]aidmap.Organization, len(orgs))
	for _, o := range orgs {
		byID[o.ID] = o
	}
	pub, err := publisher(ctx, st)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// A place of several providers is one location (#19): its sites are found first, then
	// kept aside while the others are written, and written last, a place at a time.
	places, err := exportPlaces(ctx, st, pub)
	if err != nil {
		return err
	}
	p, err := hsds.NewPackageWriter(dir)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	atPlace := map[string][]*aidmap.Site{} // by place ID
	if _, err := st.EachSite(ctx, func(s aidmap.Site) error {
		public := pub.Public(&s) // open data: a confidential site only as its area
		if pid := places.Of(public.ID); public.Visible() && !public.Confidential && len(places.Members(pid)) > 1 {
			atPlace[pid] = append(atPlace[pid], &public)
			return nil
		}
		p.AddSite(&public, byID[s.OrganizationID])
		return nil
	}); err != nil {
		_ = p.Close()
		return err
	}
	for _, pid := range slices.Sorted(maps.Keys(atPlace)) {
		// By ID, so the place's own site (its smallest ID) comes first and names the location.
		sites := atPlace[pid]
		slices.SortFunc(sites, func(a, b *aidmap.Site) int { return strings.Compare(a.ID, b.ID) })
		p.AddPlace(sites, byID)
	}
	if err := p.Close(); err != nil {
		return err
	}
	if zipped {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		err = hsds.ZipDir(dir, f)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("export: %w", cerr)
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "exported %d sites as an HSDS %s datapackage to %s\n", p.Sites, hsds.Version, out)
	return nil
}
