package feed

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/aidmap.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.UpsertOrganization(ctx, demo.Organization()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestFollowerLoadAndSync(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	sites := demo.Sites(120, 3)
	if _, err := st.UpsertSites(ctx, "demo", sites[:100]); err != nil {
		t.Fatal(err)
	}
	f := New(st, demo.Publisher(), nil, time.Hour)
	if f.Loaded() || f.Index().Len() != 0 {
		t.Fatal("a new follower must start empty and not loaded")
	}
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.Index().Len(); got != 100 || !f.Loaded() || !f.Demo() {
		t.Fatalf("after Load: got %d sites loaded=%v demo=%v, want 100 true true", got, f.Loaded(), f.Demo())
	}
	if o, ok := f.Organization("demo"); !ok || !o.Demo {
		t.Fatalf("organisation demo: got %+v %v", o, ok)
	}

	// New sites, a changed one and a retired one arrive through the change feed.
	changed := sites[0]
	changed.Name = "Demo: Renamed Kitchen"
	retired := sites[1]
	retired.Status = aidmap.StatusRetired
	batch := append([]aidmap.Site{changed, retired}, sites[100:]...)
	res, err := st.UpsertSites(ctx, "demo", batch)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 22 {
		t.Errorf("Sync applied %d changes, want 22", n)
	}
	ix := f.Index()
	if ix.Len() != 119 || ix.Version() != res.Version {
		t.Fatalf("got %d sites at version %d, want 119 at %d", ix.Len(), ix.Version(), res.Version)
	}
	if s, ok := ix.Site(changed.ID); !ok || s.Name != changed.Name {
		t.Errorf("changed site: got %+v, want the new name", s)
	}
	if _, ok := ix.Site(retired.ID); ok {
		t.Error("a retired site is still in the index")
	}
	// Nothing new: nothing applied, same snapshot.
	if n, err := f.Sync(ctx); err != nil || n != 0 || f.Index() != ix {
		t.Errorf("idle Sync: got %d, %v; want 0 and the same snapshot", n, err)
	}
}

func TestFollowerRunPicksUpWritesAndSurvivesStoreLoss(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t)
	f := New(st, demo.Publisher(), nil, 20*time.Millisecond)
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f.Run(ctx) }()

	sites := demo.Sites(10, 5)
	if _, err := st.UpsertSites(ctx, "demo", sites); err != nil {
		t.Fatal(err)
	}
	f.Notify()
	waitFor(t, func() bool { return f.Index().Len() == 10 })

	// The store goes away: the follower keeps the last index and keeps serving it.
	st.Close()
	time.Sleep(100 * time.Millisecond)
	if got := f.Index().Len(); got != 10 {
		t.Fatalf("after the store closed: got %d sites, want the last 10", got)
	}
	cancel()
	wg.Wait()
}

// waitFor polls cond for up to 10 s: the follower runs on its own goroutine.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFollowerIndexesOnlyPublicForms checks that confidential sites reach the index only in
// their public form, on Load and on Sync, and not at all without a publisher.
func TestFollowerIndexesOnlyPublicForms(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var conf []aidmap.Site
	for _, s := range demo.Sites(300, 5) {
		if s.Confidential {
			conf = append(conf, s)
		}
	}
	if len(conf) < 4 {
		t.Fatalf("only %d confidential demo sites", len(conf))
	}
	if _, err := st.UpsertSites(ctx, "demo", conf[:2]); err != nil {
		t.Fatal(err)
	}
	f := New(st, demo.Publisher(), nil, time.Hour)
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertSites(ctx, "demo", conf[2:]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pub := demo.Publisher()
	for _, s := range conf {
		if _, ok := f.Index().Site(s.ID); ok {
			t.Errorf("%s: indexed under its stored ID", s.ID)
		}
		got, ok := f.Index().Site(pub.PublicID(s.ID, true))
		if !ok {
			t.Fatalf("%s: not indexed under its public ID", s.ID)
		}
		if !got.IsPublic() || got.Address != (aidmap.Address{}) || got.ExternalID != "" ||
			(got.Lat == s.Lat && got.Lon == s.Lon) || !aidmap.AreaOf(s.Lat, s.Lon).Contains(got.Lat, got.Lon) {
			t.Errorf("%s: indexed as %+v, want its public form", s.ID, got)
		}
	}

	// A public site marked confidential leaves the index under its old ID, and back.
	open := demo.Sites(5, 9)[0]
	open.Confidential = false
	if _, err := st.UpsertSites(ctx, "demo", []aidmap.Site{open}); err != nil {
		t.Fatal(err)
	}
	f.Sync(ctx)
	if got, ok := f.Index().Site(open.ID); !ok || got.Lat != open.Lat {
		t.Fatalf("public site: %+v %v", got, ok)
	}
	open.Confidential = true
	if _, err := st.UpsertSites(ctx, "demo", []aidmap.Site{open}); err != nil {
		t.Fatal(err)
	}
	f.Sync(ctx)
	if _, ok := f.Index().Site(open.ID); ok {
		t.Error("a site marked confidential is still indexed under its public ID, at its exact point")
	}
	if _, ok := f.Index().Site(pub.PublicID(open.ID, true)); !ok {
		t.Error("a site marked confidential is not indexed under its new public ID")
	}
	open.Confidential = false
	if _, err := st.UpsertSites(ctx, "demo", []aidmap.Site{open}); err != nil {
		t.Fatal(err)
	}
	f.Sync(ctx)
	if _, ok := f.Index().Site(pub.PublicID(open.ID, true)); ok {
		t.Error("a site made public again is still indexed as an area")
	}
	bare := New(st, nil, nil, time.Hour)
	if err := bare.Load(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	bare.Index().VisitBBox(geo.BBox{MinLon: -180, MinLat: -90, MaxLon: 180, MaxLat: 90}, geo.Filter{}, func(h geo.Hit) {
		if h.Site().Confidential {
			n++
		}
	})
	if n != 0 {
		t.Errorf("without a publisher %d confidential sites were indexed, want 0", n)
	}
}
