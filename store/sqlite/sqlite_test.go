package sqlite_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "aidmap.db"))
	})
}

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "nested dir?#%", "aidmap.db")
	open(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: got %v, want it created", err)
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "aidmap.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	sites := storetest.Sites("org", "s", 10)
	res, err := s.UpsertSites(ctx, "org", sites)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		s := open(t, path) // migrations run again and must find nothing to do
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("reopen %d: Migrate: %v", i, err)
		}
		v, err := s.Version(ctx)
		if err != nil || v != res.Version {
			t.Fatalf("reopen %d: Version: got %d, %v, want %d", i, v, err, res.Version)
		}
		for _, want := range sites {
			got, err := s.Site(ctx, want.ID)
			if err != nil {
				t.Fatalf("reopen %d: Site: %v", i, err)
			}
			if d := storetest.DiffSite(got, want); d != "" {
				t.Errorf("reopen %d: Site: %s", i, d)
			}
		}
		again, err := s.UpsertSites(ctx, "org", sites)
		if err != nil || len(again.Unchanged) != len(sites) {
			t.Errorf("reopen %d: re-upload: got %d unchanged, %v, want %d", i, len(again.Unchanged), err, len(sites))
		}
		s.Close()
	}
}

func TestConcurrentOpen(t *testing.T) {
	// Several processes (serve, ingest, migrate) may open a new database at once; each
	// migration is applied exactly once.
	path := filepath.Join(t.TempDir(), "aidmap.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := sqlite.Open(context.Background(), path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	open(t, path)
}

func TestFieldErrorKept(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "aidmap.db"))
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	sites := storetest.Sites("org", "s", 3)
	sites[1].Name = " "
	_, err := s.UpsertSites(ctx, "org", sites)
	want := `sqlite: upload: add: site 1 (external ID "s1"): name: is required`
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	var fe *aidmap.FieldError
	if !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("errors.As FieldError: got %#v, want one for name", fe)
	}
	if !errors.Is(err, aidmap.ErrInvalid) {
		t.Errorf("error %v: does not wrap ErrInvalid", err)
	}
}

// BenchmarkUpsert10k writes a batch of 10,000 sites: all new, all changed, or all unchanged
// (storetest.BenchUpsert).
func BenchmarkUpsert10k(b *testing.B) {
	storetest.BenchUpsert(b, func(b *testing.B) store.Store { return open(b, filepath.Join(b.TempDir(), "aidmap.db")) }, 10_000)
}

var eachSites = flag.Int("sqlite.each-sites", 100_000, "sites BenchmarkEachSite streams (1000000 for the 1M-site hydration figure)")

// BenchmarkEachSite streams every site of a store, as the index does when it starts
// (-sqlite.each-sites sets how many; storetest.BenchEachSite).
func BenchmarkEachSite(b *testing.B) {
	storetest.BenchEachSite(b, open(b, filepath.Join(b.TempDir(), "aidmap.db")), *eachSites, nil)
}
