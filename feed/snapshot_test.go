package feed

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/store"
)

// TestSyncOneSnapshot checks that a large upload reaches the index as one snapshot: a reader
// polling the index while the follower syncs a 200,000-site upload (20 pages of the change
// feed) sees the sites before it or after it, never a count in between.
func TestSyncOneSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 sites")
	}
	const before, added = 1000, 200_000
	ctx := context.Background()
	st := openStore(t)
	sites := demo.Sites(before+added, 11)
	if _, err := st.UpsertSites(ctx, "demo", sites[:before]); err != nil {
		t.Fatal(err)
	}
	f := New(st, demo.Publisher(), nil, time.Hour)
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.Index().Len(); got != before {
		t.Fatalf("loaded %d sites, want %d", got, before)
	}
	up, err := st.BeginUpload(ctx, "demo", store.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Rollback(ctx)
	for i := before; i < len(sites); i += 5000 {
		if err := up.Add(ctx, sites[i:min(i+5000, len(sites))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := up.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// The reader polls until the sync is over, remembering every count it saw.
	var (
		done atomic.Bool
		wg   sync.WaitGroup
		seen = map[int]int{}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			seen[f.Index().Len()]++
		}
		seen[f.Index().Len()]++
	}()
	n, err := f.Sync(ctx)
	done.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n != added {
		t.Errorf("Sync applied %d changes, want %d", n, added)
	}
	for count, times := range seen {
		if count != before && count != before+added {
			t.Errorf("a reader saw %d sites (%d times): neither the %d before the upload nor the %d after", count, times, before, before+added)
		}
	}
	if seen[before+added] == 0 {
		t.Errorf("the reader never saw the upload: %v", seen)
	}
}
