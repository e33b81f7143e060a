package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"

	"github.com/aidmap/aidmap/store/storetest"
)

// FuzzRoundTrip checks that any valid site's text and coordinates come back exactly and that
// uploading it again is unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("s1", "Community pantry", "Groceries", "100 Main St", "en", 49.28, -123.12)
	f.Add(`x"'\;--`, "مطبخ 🍲", "line\nbreak\ttab", "", "zh-Hant", -90.0, 180.0)
	f.Add("\u202e", " a ", "{\"json\": [1]}", "Ørsted ½", "pa", 0.1+0.2, -1e-300)
	ctx := context.Background()
	s := open(f, filepath.Join(f.TempDir(), "aidmap.db"))
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ext, name, desc, street, lang string, lat, lon float64) {
		site := storetest.NewSite("org", ext)
		site.Name, site.Description, site.Address.Street = name, desc, street
		site.Languages = []string{lang}
		site.Lat, site.Lon = lat, lon
		if site.Validate() != nil {
			return
		}
		_, err := s.UpsertSites(ctx, "org", []aidmap.Site{site})
		if errors.Is(err, aidmap.ErrInvalid) {
			return // text the domain lets through but no store can keep exactly (invalid UTF-8)
		}
		if err != nil {
			t.Fatalf("UpsertSites: %v", err)
		}
		got, err := s.Site(ctx, site.ID)
		if err != nil {
			t.Fatalf("Site: %v", err)
		}
		if d := storetest.DiffSite(got, site); d != "" {
			t.Fatalf("Site: %s", d)
		}
		res, err := s.UpsertSites(ctx, "org", []aidmap.Site{got})
		if err != nil || len(res.Unchanged) != 1 {
			t.Fatalf("re-upload: got %+v, %v, want unchanged", res, err)
		}
	})
}
