package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestCapacityLogKeepFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{"0", 0, true},
		{"36h", 36 * time.Hour, true},
		{"10m", 0, false}, // shorter than an hour: a typo for 10d more likely than a wish
		{"soon", 0, false},
		{"-1d", 0, false},
	} {
		f := addFreshFlags(newFlagSet("serve", "", io.Discard))
		*f.capacityLogKeep = tc.in
		_, _, err := f.policy()
		if (err == nil) != tc.ok || tc.ok && *f.logKeep != tc.want {
			t.Errorf("--capacity-log-keep %s: got %v, %v; want %v ok=%v", tc.in, *f.logKeep, err, tc.want, tc.ok)
		}
	}
	if f := addFreshFlags(newFlagSet("serve", "", io.Discard)); *f.capacityLogKeep != "30d" {
		t.Errorf("default --capacity-log-keep %q, want 30d", *f.capacityLogKeep)
	}
}

// TestPruneCapacityLog runs serve's background pruning over a real store: the entries older
// than keep go at once, later ones and the site's capacity stay, and keep 0 prunes nothing.
func TestPruneCapacityLog(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.UpsertOrganization(ctx, storetest.NewOrganization("fbs")); err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite("fbs", "S1")
	if _, err := st.UpsertSites(ctx, "fbs", []aidmap.Site{site}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	for _, age := range []time.Duration{40 * 24 * time.Hour, 31 * 24 * time.Hour, 2 * time.Hour} {
		if _, err := st.SetCapacity(ctx, "fbs", site.ID, aidmap.Capacity{Unit: "beds", Available: int(age / time.Hour), Updated: now.Add(-age)}, "tok"); err != nil {
			t.Fatal(err)
		}
	}
	logLen := func() int {
		l, err := st.CapacityLog(ctx, "fbs", site.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := func() time.Time { return now }

	pruneCapacityLog(ctx, st, 0, time.Hour, clock, quiet) // returns at once: kept for ever
	if n := logLen(); n != 3 {
		t.Fatalf("keep 0: %d entries, want all 3", n)
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		pruneCapacityLog(runCtx, store.Capacities(st), 30*24*time.Hour, time.Hour, clock, quiet)
		close(done)
	}()
	for logLen() != 1 { // the first pass runs at once
		select {
		case <-done:
			t.Fatal("the pruning loop returned before it was stopped")
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	<-done
	s, err := st.Site(ctx, site.ID)
	if err != nil || len(s.Capacity) != 1 || s.Capacity[0].Available != 2 {
		t.Errorf("site after pruning: %+v, %v; want its capacity (2 beds) untouched", s.Capacity, err)
	}
}
