package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

func testEachSite(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("empty store", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		calls := 0
		v, err := s.EachSite(ctx, func(aidmap.Site) error { calls++; return nil })
		checkErr(t, "EachSite", err, nil)
		if v != 0 || calls != 0 {
			t.Errorf("EachSite on an empty store: got version %d and %d calls, want 0 and 0", v, calls)
		}
		if v := mustVersion(t, s); v != 0 {
			t.Errorf("Version of an empty store: got %d, want 0", v)
		}
	})

	t.Run("every site in ID order", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "a", "b")
		var want []aidmap.Site
		for _, org := range []string{"b", "a"} {
			for i := range 3 {
				sites := Sites(org, fmt.Sprintf("batch%d-", i), 20)
				sites[0].Status = aidmap.StatusRetired // retired sites are included
				mustUpsert(t, s, org, sites)
				want = append(want, sites...)
			}
		}
		slices.SortFunc(want, func(x, y aidmap.Site) int { return cmp.Compare(x.ID, y.ID) })

		got, v := allSites(t, s)
		checkIDs(t, "EachSite IDs", ids(got), ids(want))
		for i := range min(len(got), len(want)) {
			checkSite(t, "EachSite", got[i], want[i])
		}
		if wantV := mustVersion(t, s); v != wantV {
			t.Errorf("EachSite version: got %d, want %d", v, wantV)
		}
	})

	t.Run("version marks the snapshot", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		mustUpsert(t, s, "org", Sites("org", "a", 5))
		_, v := allSites(t, s)
		if cs := allChanges(t, s, v, 10); len(cs) != 0 {
			t.Errorf("ChangesSince(EachSite version %d): got %d changes, want none", v, len(cs))
		}
		later := Sites("org", "b", 2)
		mustUpsert(t, s, "org", later)
		cs := allChanges(t, s, v, 10)
		var got []string
		for _, c := range cs {
			got = append(got, c.Site.ID)
		}
		checkIDs(t, "ChangesSince(EachSite version)", got, ids(later))
	})

	t.Run("snapshot while writing", func(t *testing.T) {
		t.Parallel()
		// Writes during the iteration either are in the snapshot or come after its version,
		// never both and never neither.
		s := setup(t, open, "org")
		mustUpsert(t, s, "org", Sites("org", "a", 50))
		seen := make(map[string]bool)
		wrote := false
		v, err := s.EachSite(ctx, func(site aidmap.Site) error {
			seen[site.ID] = true
			if !wrote {
				wrote = true
				errc := make(chan error, 1)
				go func() {
					_, err := s.UpsertSites(ctx, "org", Sites("org", "b", 5))
					errc <- err
				}()
				select {
				case err := <-errc:
					return err
				case <-time.After(200 * time.Millisecond):
					// A store that blocks writers during a read is allowed; carry on.
					go func() { <-errc }()
				}
			}
			return nil
		})
		checkErr(t, "EachSite", err, nil)
		// Wait for the write to land.
		deadline := time.Now().Add(10 * time.Second)
		for mustVersion(t, s) == v && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		for _, c := range allChanges(t, s, v, 100) {
			if seen[c.Site.ID] {
				t.Errorf("site %s: in the snapshot at version %d and in ChangesSince(%d) at version %d", c.Site.ExternalID, v, v, c.Version)
			}
			seen[c.Site.ID] = true
		}
		if len(seen) != 55 {
			t.Errorf("snapshot plus changes: got %d sites, want 55", len(seen))
		}
	})

	t.Run("fn error stops", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		mustUpsert(t, s, "org", Sites("org", "s", 10))
		stop := errors.New("stop")
		calls := 0
		_, err := s.EachSite(ctx, func(aidmap.Site) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		checkErr(t, "EachSite", err, stop)
		if calls != 3 {
			t.Errorf("calls: got %d, want 3", calls)
		}
		// The store still works after an iteration was abandoned.
		mustUpsert(t, s, "org", Sites("org", "t", 1))
	})
}

func testChangesSince(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("monotonic across batches", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "a", "b")
		var results []store.UpsertResult
		var batches [][]aidmap.Site
		for i := range 4 {
			org := []string{"a", "b"}[i%2]
			batch := Sites(org, fmt.Sprintf("b%d-", i), 3+i)
			results = append(results, mustUpsert(t, s, org, batch))
			batches = append(batches, batch)
		}
		var prev int64
		for i, res := range results {
			if res.Version <= prev {
				t.Errorf("batch %d version: got %d, want > %d", i, res.Version, prev)
			}
			// Exactly this batch's sites changed between the previous result and this one.
			cs, err := s.ChangesSince(ctx, prev, 1000)
			checkErr(t, "ChangesSince", err, nil)
			var got []string
			for _, c := range cs {
				if c.Version > res.Version {
					break
				}
				got = append(got, c.Site.ID)
			}
			checkIDs(t, fmt.Sprintf("batch %d changes", i), got, ids(batches[i]))
			prev = res.Version
		}
		if v := mustVersion(t, s); v != prev {
			t.Errorf("Version: got %d, want %d", v, prev)
		}
	})

	t.Run("limit and paging", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		all := Sites("org", "s", 23)
		mustUpsert(t, s, "org", all[:10])
		mustUpsert(t, s, "org", all[10:])
		for _, page := range []int{1, 2, 5, 10, 23, 24, 1000} {
			cs := allChanges(t, s, 0, page)
			var got []string
			for i, c := range cs {
				got = append(got, c.Site.ID)
				if i > 0 && c.Version <= cs[i-1].Version {
					t.Errorf("page size %d: change %d version: got %d, want > %d", page, i, c.Version, cs[i-1].Version)
				}
			}
			checkIDs(t, fmt.Sprintf("page size %d", page), got, ids(all))
		}
		cs, err := s.ChangesSince(ctx, 0, 4)
		checkErr(t, "ChangesSince", err, nil)
		if len(cs) != 4 {
			t.Errorf("ChangesSince(0, 4): got %d changes, want 4", len(cs))
		}
		cs, err = s.ChangesSince(ctx, mustVersion(t, s), 10)
		checkErr(t, "ChangesSince", err, nil)
		if len(cs) != 0 {
			t.Errorf("ChangesSince(Version()): got %d changes, want none", len(cs))
		}
	})

	t.Run("bad limit", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		mustUpsert(t, s, "org", Sites("org", "s", 2))
		for _, limit := range []int{0, -1} {
			_, err := s.ChangesSince(ctx, 0, limit)
			checkErr(t, fmt.Sprintf("ChangesSince(0, %d)", limit), err, aidmap.ErrInvalid)
		}
	})

	t.Run("latest state", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		sites := Sites("org", "s", 3)
		first := mustUpsert(t, s, "org", sites)
		sites[1].Name = "Second name"
		mustUpsert(t, s, "org", sites)
		sites[1].Status = aidmap.StatusRetired
		last := mustUpsert(t, s, "org", sites)

		cs := allChanges(t, s, 0, 100)
		// A site changed several times may appear once or more, but its last change is its
		// latest state, at the latest version.
		latest := make(map[string]store.Change)
		for _, c := range cs {
			latest[c.Site.ID] = c
		}
		if c := latest[sites[1].ID]; c.Version != last.Version {
			t.Errorf("retired site's last change version: got %d, want %d", c.Version, last.Version)
		}
		checkSite(t, "retired site's last change", latest[sites[1].ID].Site, sites[1])
		checkSite(t, "Site (retired)", mustSite(t, s, sites[1].ID), sites[1])

		cs = allChanges(t, s, first.Version, 100)
		if len(cs) == 0 || cs[len(cs)-1].Site.ID != sites[1].ID {
			t.Fatalf("ChangesSince(%d): got %d changes, want the retired site last", first.Version, len(cs))
		}
		for _, c := range cs {
			if c.Site.ID != sites[1].ID {
				t.Errorf("ChangesSince(%d): got a change of %s, want only %s", first.Version, c.Site.ExternalID, sites[1].ExternalID)
			}
		}
	})
}

func testConcurrent(t *testing.T, open Opener) {
	const (
		writers  = 8
		batches  = 5
		perBatch = 40
	)
	ctx := context.Background()
	orgs := []string{"shared"}
	for w := range writers {
		orgs = append(orgs, fmt.Sprintf("w%d", w))
	}
	s := setup(t, open, orgs...)

	// A follower reads the change feed while the writers write, as the index does. It must end
	// with every site at its latest version: a change that became visible below a version the
	// follower had already passed would be lost.
	followed := make(map[string]int64)
	var followErr error
	done := make(chan struct{})
	followerDone := make(chan struct{})
	follow := func(since int64) int64 {
		for {
			cs, err := s.ChangesSince(ctx, since, 37)
			if err != nil {
				followErr = err
				return since
			}
			for _, c := range cs {
				if c.Version <= since {
					followErr = fmt.Errorf("change version %d after %d: not ascending", c.Version, since)
					return since
				}
				since = c.Version
				followed[c.Site.ID] = c.Version
			}
			if len(cs) < 37 {
				return since
			}
		}
	}
	go func() {
		defer close(followerDone)
		var since int64
		for {
			select {
			case <-done:
				follow(since)
				return
			default:
			}
			since = follow(since)
			if followErr != nil {
				return
			}
		}
	}()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		versions []int64
		want     = make(map[string]bool)
	)
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				// Alternate between the writer's own organisation and the shared one.
				org := orgs[1+w]
				if b%2 == 1 {
					org = "shared"
				}
				sites := Sites(org, fmt.Sprintf("w%d-", w), perBatch)
				for i := range sites {
					sites[i].Name = fmt.Sprintf("w%d b%d", w, b)
				}
				res, err := s.UpsertSites(ctx, org, sites)
				if err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, b, err)
					return
				}
				if len(res.Created)+len(res.Updated) != perBatch {
					errs <- fmt.Errorf("writer %d batch %d: got %d sites written, want %d", w, b, len(res.Created)+len(res.Updated), perBatch)
					return
				}
				mu.Lock()
				versions = append(versions, res.Version)
				for _, site := range sites {
					want[site.ID] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(done)
	<-followerDone
	if followErr != nil {
		t.Fatalf("follower: %v", followErr)
	}

	slices.Sort(versions)
	for i := 1; i < len(versions); i++ {
		if versions[i] == versions[i-1] {
			t.Errorf("two batches ended at version %d, want distinct versions", versions[i])
		}
	}
	v := mustVersion(t, s)
	if len(versions) > 0 && v != versions[len(versions)-1] {
		t.Errorf("Version: got %d, want %d (the latest batch's)", v, versions[len(versions)-1])
	}

	got, ev := allSites(t, s)
	if ev != v {
		t.Errorf("EachSite version: got %d, want %d", ev, v)
	}
	if len(got) != len(want) {
		t.Errorf("EachSite: got %d sites, want %d", len(got), len(want))
	}
	latest := make(map[string]int64)
	for _, c := range allChanges(t, s, 0, 1000) {
		latest[c.Site.ID] = c.Version
	}
	for id := range want {
		if latest[id] == 0 {
			t.Errorf("site %s: not in ChangesSince(0)", id)
		}
		if followed[id] != latest[id] {
			t.Errorf("site %s: follower got version %d, want %d", id, followed[id], latest[id])
		}
	}
}

func testCanceled(t *testing.T, open Opener) {
	s := setup(t, open, "org")
	sites := Sites("org", "s", 20)
	mustUpsert(t, s, "org", sites)
	v := mustVersion(t, s)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"UpsertOrganization", func(ctx context.Context) error {
			return s.UpsertOrganization(ctx, NewOrganization("late"))
		}},
		{"Organization", func(ctx context.Context) error { _, err := s.Organization(ctx, "org"); return err }},
		{"Organizations", func(ctx context.Context) error { _, err := s.Organizations(ctx); return err }},
		{"UpsertSites", func(ctx context.Context) error {
			_, err := s.UpsertSites(ctx, "org", Sites("org", "late", 3))
			return err
		}},
		{"Site", func(ctx context.Context) error { _, err := s.Site(ctx, sites[0].ID); return err }},
		{"EachSite", func(ctx context.Context) error {
			_, err := s.EachSite(ctx, func(aidmap.Site) error { return nil })
			return err
		}},
		{"ChangesSince", func(ctx context.Context) error { _, err := s.ChangesSince(ctx, 0, 10); return err }},
		{"Version", func(ctx context.Context) error { _, err := s.Version(ctx); return err }},
		{"Ping", func(ctx context.Context) error { return s.Ping(ctx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.name, tt.call(canceled), context.Canceled)
		})
	}

	t.Run("nothing written", func(t *testing.T) {
		if got := mustVersion(t, s); got != v {
			t.Errorf("Version: got %d, want %d", got, v)
		}
		if _, err := s.Organization(context.Background(), "late"); !errors.Is(err, aidmap.ErrNotFound) {
			t.Errorf("Organization(late): got error %v, want ErrNotFound", err)
		}
	})

	t.Run("EachSite canceled midway", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		_, err := s.EachSite(ctx, func(aidmap.Site) error {
			calls++
			if calls == 2 {
				cancel()
			}
			return nil
		})
		checkErr(t, "EachSite", err, context.Canceled)
		if calls >= len(sites) {
			t.Errorf("calls: got %d, want fewer than %d", calls, len(sites))
		}
	})
}

func testPing(t *testing.T, open Opener) {
	s := open(t)
	checkErr(t, "Ping", s.Ping(context.Background()), nil)
}
