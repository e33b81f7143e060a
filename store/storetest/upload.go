package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// testUpload checks BeginUpload: a streaming upload is UpsertSites over many batches, with
// retirement, a dry run and the same all-or-nothing guarantee.
func testUpload(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"EqualsUpsertSites", testUploadEqualsUpsert},
		{"RetireMissing", testUploadRetireMissing},
		{"Retire", testUploadRetire},
		{"DryRun", testUploadDryRun},
		{"CreatesOrganization", testUploadCreatesOrganization},
		{"AllOrNothing", testUploadAllOrNothing},
		{"Canceled", testUploadCanceled},
		{"ReadersSeeOldData", testUploadReaders},
		{"ConcurrentWriter", testUploadConcurrentWriter},
		{"RetireGuard", testUploadRetireGuard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// snapshot is everything a reader can see of a store.
type snapshot struct {
	version int64
	sites   []aidmap.Site
	changes []store.Change
}

func takeSnapshot(t *testing.T, s store.Store) snapshot {
	t.Helper()
	sites, v := allSites(t, s)
	return snapshot{version: v, sites: sites, changes: allChanges(t, s, 0, 1000)}
}

// checkSame fails the test unless a store still shows exactly what before showed.
func checkSame(t *testing.T, what string, s store.Store, before snapshot) {
	t.Helper()
	after := takeSnapshot(t, s)
	if after.version != before.version {
		t.Errorf("%s: version went from %d to %d", what, before.version, after.version)
	}
	if len(after.sites) != len(before.sites) {
		t.Fatalf("%s: %d sites, want the %d from before", what, len(after.sites), len(before.sites))
	}
	for i := range after.sites {
		if d := DiffSite(after.sites[i], before.sites[i]); d != "" {
			t.Errorf("%s: site %s changed: %s", what, before.sites[i].ExternalID, d)
		}
	}
	if len(after.changes) != len(before.changes) {
		t.Errorf("%s: %d changes in the feed, want %d", what, len(after.changes), len(before.changes))
	}
}

// mustUpload runs a whole upload of the batches and fails the test on error.
func mustUpload(t *testing.T, s store.Store, orgID string, opts store.UploadOptions, batches ...[]aidmap.Site) store.UploadResult {
	t.Helper()
	ctx := context.Background()
	u, err := s.BeginUpload(ctx, orgID, opts)
	if err != nil {
		t.Fatalf("BeginUpload(%q): %v", orgID, err)
	}
	defer u.Rollback(ctx)
	for i, b := range batches {
		if err := u.Add(ctx, b); err != nil {
			t.Fatalf("Add(batch %d): %v", i, err)
		}
	}
	res, err := u.Commit(ctx)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return res
}

// uploadFixture returns a store's existing sites and an upload over them: new sites, changed
// ones and unchanged ones, interleaved, in batches of several sizes (one empty).
func uploadFixture() (existing []aidmap.Site, batches [][]aidmap.Site) {
	existing = Sites("org", "s", 30)
	var all []aidmap.Site
	for i, site := range Sites("org", "s", 60) {
		switch {
		case i >= 30: // new
		case i%3 == 0: // changed
			site.Name += " (renamed)"
			site.UpdatedAt = site.UpdatedAt.Add(time.Hour)
		default: // unchanged, but with a later UpdatedAt the store must ignore
			site.UpdatedAt = site.UpdatedAt.Add(time.Hour)
		}
		all = append(all, site)
	}
	// Interleave: new sites between the old ones.
	for i := range 30 {
		all[i], all[59-i] = all[59-i], all[i]
	}
	for _, n := range []int{7, 0, 1, 25, 27} {
		batches = append(batches, all[:n])
		all = all[n:]
	}
	return existing, batches
}

func testUploadEqualsUpsert(t *testing.T, open Opener) {
	existing, batches := uploadFixture()
	var flat []aidmap.Site
	for _, b := range batches {
		flat = append(flat, b...)
	}

	one := setup(t, open, "org")
	mustUpsert(t, one, "org", existing)
	want := mustUpsert(t, one, "org", flat)

	many := setup(t, open, "org")
	mustUpsert(t, many, "org", existing)
	before := mustVersion(t, many)
	got := mustUpload(t, many, "org", store.UploadOptions{}, batches...)

	if got.Created != len(want.Created) || got.Updated != len(want.Updated) || got.Unchanged != len(want.Unchanged) || got.Retired != 0 {
		t.Errorf("result: got %+v, want created %d, updated %d, unchanged %d, retired 0",
			got, len(want.Created), len(want.Updated), len(want.Unchanged))
	}
	if got.Version != want.Version || got.Version != mustVersion(t, many) {
		t.Errorf("Version: got %d, want %d (UpsertSites's) and Version()'s %d", got.Version, want.Version, mustVersion(t, many))
	}
	a, b := takeSnapshot(t, one), takeSnapshot(t, many)
	if len(a.sites) != len(b.sites) {
		t.Fatalf("sites: got %d, want %d", len(b.sites), len(a.sites))
	}
	for i := range a.sites {
		checkSite(t, "site "+a.sites[i].ExternalID, b.sites[i], a.sites[i])
	}

	// The feed: each changed site once, with its own version, in the order it was added
	// across the batches, all above the version before the upload.
	changes := allChanges(t, many, before, 7)
	var gotIDs []string
	last := before
	for _, c := range changes {
		gotIDs = append(gotIDs, c.Site.ID)
		if c.Version <= last {
			t.Errorf("change %s: version %d not above %d", c.Site.ExternalID, c.Version, last)
		}
		last = c.Version
	}
	if len(gotIDs) != got.Created+got.Updated {
		t.Errorf("feed: %d changes, want created + updated = %d", len(gotIDs), got.Created+got.Updated)
	}
	if last != got.Version {
		t.Errorf("feed: last version %d, want the result's %d", last, got.Version)
	}
	checkIDs(t, "feed order", gotIDs, changedInOrder(flat, existing))
}

// changedInOrder returns the IDs of the sites of upload whose content differs from (or is not
// in) existing, in upload order.
func changedInOrder(upload, existing []aidmap.Site) []string {
	old := map[string]aidmap.Site{}
	for _, s := range existing {
		old[s.ID] = s
	}
	var out []string
	for _, s := range upload {
		o, ok := old[s.ID]
		if ok {
			o.UpdatedAt = s.UpdatedAt
			if DiffSite(o, s) == "" {
				continue
			}
		}
		out = append(out, s.ID)
	}
	return out
}

func testUploadRetireMissing(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org", "other")
	old := Sites("org", "s", 6)
	old[5].Status = aidmap.StatusRetired // retired already: not retired again
	mustUpsert(t, s, "org", old)
	others := Sites("other", "s", 3)
	mustUpsert(t, s, "other", others)
	before := mustVersion(t, s)

	now := Base.Add(48 * time.Hour)
	u, err := s.BeginUpload(ctx, "org", store.UploadOptions{RetireMissing: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Rollback(ctx)
	changed := old[1]
	changed.Name += " (moved)"
	checkErr(t, "Add", u.Add(ctx, []aidmap.Site{old[0]}), nil)
	checkErr(t, "Add", u.Add(ctx, []aidmap.Site{changed}), nil)
	checkErr(t, "Keep", u.Keep(ctx, []string{old[2].ID, aidmap.SiteID("org", "never")}), nil)
	res, err := u.Commit(ctx)
	checkErr(t, "Commit", err, nil)

	if want := (store.UploadResult{Updated: 1, Unchanged: 1, Retired: 2, Version: res.Version}); res != want {
		t.Errorf("result: got %+v, want %+v", res, want)
	}
	for i, want := range []aidmap.Status{aidmap.StatusActive, aidmap.StatusActive, aidmap.StatusActive,
		aidmap.StatusRetired, aidmap.StatusRetired, aidmap.StatusRetired} {
		got := mustSite(t, s, old[i].ID)
		if got.Status != want {
			t.Errorf("%s: status %q, want %q", old[i].ExternalID, got.Status, want)
		}
		if i == 3 || i == 4 {
			// Retired: kept whole, stamped with Now.
			w := old[i]
			w.Status, w.UpdatedAt = aidmap.StatusRetired, now
			checkSite(t, "retired "+w.ExternalID, got, w)
		}
	}
	if got := mustSite(t, s, old[5].ID); !got.UpdatedAt.Equal(old[5].UpdatedAt) {
		t.Errorf("already retired s5: UpdatedAt changed to %v", got.UpdatedAt)
	}
	for _, o := range others {
		checkSite(t, "other organisation's "+o.ExternalID, mustSite(t, s, o.ID), o)
	}

	// The feed: the changed site, then the retired ones, each once, in ascending versions.
	changes := allChanges(t, s, before, 100)
	var got []string
	for _, c := range changes {
		got = append(got, c.Site.ExternalID)
	}
	if len(got) != 3 || got[0] != "s1" || !(got[1] == "s3" && got[2] == "s4" || got[1] == "s4" && got[2] == "s3") {
		t.Errorf("feed: got %q, want s1 then s3 and s4", got)
	}
	if len(changes) > 0 && changes[len(changes)-1].Version != res.Version {
		t.Errorf("feed ends at %d, want the result's version %d", changes[len(changes)-1].Version, res.Version)
	}

	// A retired site uploaded again as it was is unchanged: retiring gave it a content hash.
	w := old[3]
	w.Status = aidmap.StatusRetired
	again := mustUpload(t, s, "org", store.UploadOptions{}, []aidmap.Site{w})
	if again.Unchanged != 1 {
		t.Errorf("retired site uploaded as retired: got %+v, want unchanged", again)
	}
	// ... and uploaded active, it is back.
	back := mustUpload(t, s, "org", store.UploadOptions{}, []aidmap.Site{old[3]})
	if back.Updated != 1 || mustSite(t, s, old[3].ID).Status != aidmap.StatusActive {
		t.Errorf("retired site uploaded active: got %+v, status %q", back, mustSite(t, s, old[3].ID).Status)
	}
}

func testUploadRetire(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org", "other")
	old := Sites("org", "s", 5)
	mustUpsert(t, s, "org", old)
	other := Sites("other", "s", 1)
	mustUpsert(t, s, "other", other)

	u, err := s.BeginUpload(ctx, "org", store.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Rollback(ctx)
	// s0 is named by Retire and added: the added state wins. s1 is kept and retired: Retire
	// wins. s2 is retired. Another organisation's site is out of reach. s3 and s4 are left
	// alone (no RetireMissing).
	checkErr(t, "Retire", u.Retire(ctx, []string{old[0].ID, old[1].ID, old[2].ID, other[0].ID}), nil)
	checkErr(t, "Keep", u.Keep(ctx, []string{old[1].ID}), nil)
	checkErr(t, "Add", u.Add(ctx, []aidmap.Site{old[0]}), nil)
	res, err := u.Commit(ctx)
	checkErr(t, "Commit", err, nil)
	if res.Retired != 2 || res.Unchanged != 1 {
		t.Errorf("result: got %+v, want 1 unchanged, 2 retired", res)
	}
	for i, want := range []aidmap.Status{aidmap.StatusActive, aidmap.StatusRetired, aidmap.StatusRetired,
		aidmap.StatusActive, aidmap.StatusActive} {
		if got := mustSite(t, s, old[i].ID).Status; got != want {
			t.Errorf("%s: status %q, want %q", old[i].ExternalID, got, want)
		}
	}
	if got := mustSite(t, s, other[0].ID).Status; got != aidmap.StatusActive {
		t.Errorf("another organisation's site: status %q, want active", got)
	}
}

func testUploadDryRun(t *testing.T, open Opener) {
	existing, batches := uploadFixture()
	s := setup(t, open, "org")
	mustUpsert(t, s, "org", existing[:20])
	mustUpsert(t, s, "org", Sites("org", "gone", 4))
	before := takeSnapshot(t, s)

	dry := mustUpload(t, s, "org", store.UploadOptions{RetireMissing: true, DryRun: true}, batches...)
	checkSame(t, "after a dry run", s, before)
	if dry.Version != 0 {
		t.Errorf("dry run Version: got %d, want 0", dry.Version)
	}
	real := mustUpload(t, s, "org", store.UploadOptions{RetireMissing: true}, batches...)
	real.Version = 0
	if dry != real {
		t.Errorf("dry run said %+v, the upload did %+v", dry, real)
	}
	if real.Retired != 4 || real.Created != 40 {
		t.Errorf("upload: got %+v, want 40 created, 4 retired", real)
	}
}

func testUploadCreatesOrganization(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	org := NewOrganization("new")

	t.Run("rolled back with the upload", func(t *testing.T) {
		u, err := s.BeginUpload(ctx, "new", store.UploadOptions{Organization: &org})
		checkErr(t, "BeginUpload", err, nil)
		checkErr(t, "Add", u.Add(ctx, Sites("new", "s", 2)), nil)
		checkErr(t, "Rollback", u.Rollback(ctx), nil)
		if _, err := s.Organization(ctx, "new"); !errors.Is(err, aidmap.ErrNotFound) {
			t.Errorf("Organization after rollback: got %v, want ErrNotFound", err)
		}
	})
	t.Run("missing without it", func(t *testing.T) {
		_, err := s.BeginUpload(ctx, "new", store.UploadOptions{})
		checkErr(t, "BeginUpload", err, aidmap.ErrNotFound)
	})
	t.Run("another ID", func(t *testing.T) {
		_, err := s.BeginUpload(ctx, "other", store.UploadOptions{Organization: &org})
		checkErr(t, "BeginUpload", err, aidmap.ErrInvalid)
	})
	t.Run("committed with the upload", func(t *testing.T) {
		res := mustUpload(t, s, "new", store.UploadOptions{Organization: &org}, Sites("new", "s", 2))
		if res.Created != 2 {
			t.Errorf("result: got %+v, want 2 created", res)
		}
		got, err := s.Organization(ctx, "new")
		checkErr(t, "Organization", err, nil)
		checkOrg(t, got, org)
		// An existing organisation is left as it is.
		renamed := org
		renamed.Name = "Renamed"
		mustUpload(t, s, "new", store.UploadOptions{Organization: &renamed})
		got, _ = s.Organization(ctx, "new")
		checkOrg(t, got, org)
	})
}

func testUploadAllOrNothing(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org", "other")
	mustUpsert(t, s, "org", Sites("org", "s", 10))
	before := takeSnapshot(t, s)

	good := Sites("org", "n", 8)
	invalid := Sites("org", "bad", 3)
	invalid[2].Lat = 91
	tests := []struct {
		name    string
		batches [][]aidmap.Site
		want    error
		naming  string // text the error must contain
	}{
		{"invalid site in a later batch", [][]aidmap.Site{good[:4], invalid}, aidmap.ErrInvalid, `"bad2"`},
		{"added twice across batches", [][]aidmap.Site{good[:4], good[3:5]}, aidmap.ErrInvalid, `"n3"`},
		{"added twice in one batch", [][]aidmap.Site{good[:2], {good[5], good[5]}}, aidmap.ErrInvalid, `"n5"`},
		{"another organisation's site", [][]aidmap.Site{good[:4], Sites("other", "x", 1)}, aidmap.ErrForbidden, `"x0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.BeginUpload(ctx, "org", store.UploadOptions{RetireMissing: true})
			checkErr(t, "BeginUpload", err, nil)
			defer u.Rollback(ctx)
			for _, b := range tt.batches {
				if err = u.Add(ctx, b); err != nil {
					break
				}
			}
			if err == nil {
				_, err = u.Commit(ctx)
			} else if _, cerr := u.Commit(ctx); cerr == nil {
				t.Error("Commit after a failed Add succeeded")
			}
			checkErr(t, "upload", err, tt.want)
			if !strings.Contains(err.Error(), tt.naming) {
				t.Errorf("error %q does not name the site (%s)", err, tt.naming)
			}
			if tt.want == aidmap.ErrInvalid && !strings.Contains(tt.name, "twice") {
				var fe *aidmap.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("error %v: not a *aidmap.FieldError", err)
				}
			}
			checkErr(t, "Rollback", u.Rollback(ctx), nil)
			checkSame(t, "after the failed upload", s, before)
		})
	}

	t.Run("rolled back", func(t *testing.T) {
		u, err := s.BeginUpload(ctx, "org", store.UploadOptions{RetireMissing: true})
		checkErr(t, "BeginUpload", err, nil)
		checkErr(t, "Add", u.Add(ctx, good[:4]), nil)
		checkErr(t, "Add", u.Add(ctx, good[4:]), nil)
		checkErr(t, "Rollback", u.Rollback(ctx), nil)
		checkErr(t, "second Rollback", u.Rollback(ctx), nil)
		if _, err := u.Commit(ctx); err == nil {
			t.Error("Commit after Rollback succeeded")
		}
		checkSame(t, "after Rollback", s, before)
	})

	t.Run("empty upload", func(t *testing.T) {
		res := mustUpload(t, s, "org", store.UploadOptions{})
		if res != (store.UploadResult{Version: before.version}) {
			t.Errorf("result: got %+v, want nothing done at version %d", res, before.version)
		}
		checkSame(t, "after an empty upload", s, before)
	})

	t.Run("store usable after", func(t *testing.T) {
		res := mustUpload(t, s, "org", store.UploadOptions{}, good[:4], good[4:])
		if res.Created != len(good) || res.Version <= before.version {
			t.Errorf("result: got %+v, want %d created above version %d", res, len(good), before.version)
		}
	})
}

func testUploadCanceled(t *testing.T, open Opener) {
	s := setup(t, open, "org")
	mustUpsert(t, s, "org", Sites("org", "s", 10))
	before := takeSnapshot(t, s)
	batches := [][]aidmap.Site{Sites("org", "a", 5), Sites("org", "b", 5)}

	for _, step := range []string{"Add", "Commit"} {
		t.Run("before "+step, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			u, err := s.BeginUpload(ctx, "org", store.UploadOptions{RetireMissing: true})
			checkErr(t, "BeginUpload", err, nil)
			defer u.Rollback(context.Background())
			checkErr(t, "Add", u.Add(ctx, batches[0]), nil)
			cancel()
			if step == "Add" {
				checkErr(t, "Add", u.Add(context.Background(), batches[1]), context.Canceled)
			}
			_, err = u.Commit(context.Background())
			checkErr(t, "Commit", err, context.Canceled)
			checkErr(t, "Rollback", u.Rollback(context.Background()), nil)
			checkSame(t, "after the canceled upload", s, before)
		})
	}
	t.Run("call canceled", func(t *testing.T) {
		ctx := context.Background()
		u, err := s.BeginUpload(ctx, "org", store.UploadOptions{})
		checkErr(t, "BeginUpload", err, nil)
		defer u.Rollback(ctx)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		checkErr(t, "Add", u.Add(canceled, batches[0]), context.Canceled)
		if _, err := u.Commit(ctx); err == nil {
			t.Error("Commit after a canceled Add succeeded")
		}
		checkSame(t, "after the canceled Add", s, before)
	})
	t.Run("store usable after", func(t *testing.T) {
		res := mustUpload(t, s, "org", store.UploadOptions{}, batches...)
		if res.Created != 10 {
			t.Errorf("result: got %+v, want 10 created", res)
		}
	})
}

func testUploadReaders(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org")
	old := Sites("org", "s", 10)
	mustUpsert(t, s, "org", old)
	before := takeSnapshot(t, s)

	u, err := s.BeginUpload(ctx, "org", store.UploadOptions{RetireMissing: true})
	checkErr(t, "BeginUpload", err, nil)
	defer u.Rollback(ctx)
	changed := old[0]
	changed.Name += " (moved)"
	fresh := Sites("org", "new", 3)
	checkErr(t, "Add", u.Add(ctx, []aidmap.Site{changed}), nil)
	checkErr(t, "Add", u.Add(ctx, fresh), nil)

	// Every reader sees the store as it was, and none waits for the upload.
	checkSame(t, "during the upload", s, before)
	checkSite(t, "changed site during the upload", mustSite(t, s, old[0].ID), old[0])
	if _, err := s.Site(ctx, fresh[0].ID); !errors.Is(err, aidmap.ErrNotFound) {
		t.Errorf("new site during the upload: got %v, want ErrNotFound", err)
	}

	res, err := u.Commit(ctx)
	checkErr(t, "Commit", err, nil)
	if res.Created != 3 || res.Updated != 1 || res.Retired != 9 {
		t.Errorf("result: got %+v, want 3 created, 1 updated, 9 retired", res)
	}
	if got := mustVersion(t, s); got != res.Version {
		t.Errorf("Version after commit: got %d, want %d", got, res.Version)
	}
	checkSite(t, "changed site after the upload", mustSite(t, s, old[0].ID), changed)
	if got := len(allChanges(t, s, before.version, 5)); got != 13 {
		t.Errorf("feed after commit: %d changes, want 13", got)
	}
}

// testUploadConcurrentWriter writes another organisation's sites while an upload is open. The
// write may wait for the upload (it must not fail or deadlock), and the feed must end up with
// every change, each at a distinct version.
func testUploadConcurrentWriter(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org", "other")
	u, err := s.BeginUpload(ctx, "org", store.UploadOptions{})
	checkErr(t, "BeginUpload", err, nil)
	defer u.Rollback(ctx)
	checkErr(t, "Add", u.Add(ctx, Sites("org", "s", 20)), nil)

	var wg sync.WaitGroup
	var werr error
	wg.Go(func() {
		_, werr = s.UpsertSites(ctx, "other", Sites("other", "o", 5))
	})
	checkErr(t, "Add", u.Add(ctx, Sites("org", "t", 20)), nil)
	res, err := u.Commit(ctx)
	checkErr(t, "Commit", err, nil)
	wg.Wait()
	checkErr(t, "concurrent UpsertSites", werr, nil)

	changes := allChanges(t, s, 0, 7)
	seen := map[int64]bool{}
	for _, c := range changes {
		if seen[c.Version] {
			t.Errorf("version %d given twice", c.Version)
		}
		seen[c.Version] = true
	}
	if len(changes) != 45 {
		t.Errorf("feed: %d changes, want 45", len(changes))
	}
	if res.Created != 40 {
		t.Errorf("result: %+v, want 40 created", res)
	}
	if got, _ := allSites(t, s); len(got) != 45 {
		t.Errorf("sites: got %d, want 45", len(got))
	}
}

// testUploadRetireGuard checks UploadOptions.MaxRetireShare: a replace that would retire more
// than the share of the organisation's published sites, or all of them, is refused at Commit
// with a *store.RetireError naming the count, and changes nothing, unless ConfirmRetire is
// exactly that count; a dry run is not refused but says what to confirm.
func testUploadRetireGuard(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org", "other")
	old := Sites("org", "s", 10)
	old[9].Status = aidmap.StatusRetired // not published: not counted
	mustUpsert(t, s, "org", old)
	mustUpsert(t, s, "other", Sites("other", "s", 3))
	guard := store.UploadOptions{RetireMissing: true, MaxRetireShare: store.DefaultMaxRetireShare}

	refused := func(t *testing.T, opts store.UploadOptions, wantRetire int, batches ...[]aidmap.Site) {
		t.Helper()
		before := takeSnapshot(t, s)
		u, err := s.BeginUpload(ctx, "org", opts)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Rollback(ctx)
		for _, b := range batches {
			checkErr(t, "Add", u.Add(ctx, b), nil)
		}
		_, err = u.Commit(ctx)
		var re *store.RetireError
		if !errors.As(err, &re) || !errors.Is(err, aidmap.ErrConflict) {
			t.Fatalf("Commit: got %v, want a *store.RetireError wrapping ErrConflict", err)
		}
		if re.Retire != wantRetire || re.Published != 9 {
			t.Errorf("RetireError: got %d of %d, want %d of 9", re.Retire, re.Published, wantRetire)
		}
		checkSame(t, "after a refused upload", s, before)
	}

	t.Run("all of them", func(t *testing.T) {
		refused(t, guard, 9)
	})
	t.Run("more than half", func(t *testing.T) {
		refused(t, guard, 5, old[:4])
	})
	t.Run("wrong confirmation", func(t *testing.T) {
		o := guard
		o.ConfirmRetire = 4
		refused(t, o, 5, old[:4])
	})
	t.Run("dry run says what to confirm", func(t *testing.T) {
		o := guard
		o.DryRun = true
		before := takeSnapshot(t, s)
		res := mustUpload(t, s, "org", o, old[:4])
		if res.Retired != 5 || res.RetireConfirm != 5 || res.Published != 9 {
			t.Errorf("dry run: got %+v, want 5 retired of 9 published, 5 to confirm", res)
		}
		checkSame(t, "after a dry run", s, before)
		res = mustUpload(t, s, "org", o, old[:5])
		if res.Retired != 4 || res.RetireConfirm != 0 {
			t.Errorf("dry run of half: got %+v, want 4 retired, none to confirm", res)
		}
	})
	t.Run("half goes through", func(t *testing.T) {
		o := guard
		o.DryRun = true // leave the sites for the next subtest
		res := mustUpload(t, s, "org", o, old[:5])
		if res.Retired != 4 {
			t.Errorf("got %+v, want 4 retired", res)
		}
	})
	t.Run("confirmed", func(t *testing.T) {
		o := guard
		o.ConfirmRetire = 5
		res := mustUpload(t, s, "org", o, old[:4])
		if res.Retired != 5 {
			t.Errorf("got %+v, want 5 retired", res)
		}
		if got := mustSite(t, s, old[8].ID).Status; got != aidmap.StatusRetired {
			t.Errorf("s8: status %q, want retired", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		res := mustUpload(t, s, "other", store.UploadOptions{RetireMissing: true})
		if res.Retired != 3 {
			t.Errorf("without the guard: got %+v, want 3 retired", res)
		}
	})
}
