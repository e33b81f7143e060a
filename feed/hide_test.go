package feed

import (
	"context"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// TestFollowerHidesUnchecked checks SetHideAfter: sites not checked (verified, or else
// updated) within the limit leave the index, confidential ones under their public ID; a site
// verified again comes back through the change feed; the store keeps every one.
func TestFollowerHidesUnchecked(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sites := demo.Sites(40, 5)
	hidden := map[string]bool{}
	for i := range sites {
		s := &sites[i]
		s.UpdatedAt, s.VerifiedAt = now.Add(-10*24*time.Hour), time.Time{}
		switch i % 4 {
		case 1: // updated long ago, never verified
			s.UpdatedAt = now.AddDate(-2, 0, 0)
		case 2: // updated long ago, verified lately
			s.UpdatedAt, s.VerifiedAt = now.AddDate(-2, 0, 0), now.AddDate(0, -1, 0)
		case 3: // verified long ago
			s.VerifiedAt = now.AddDate(-1, -1, 0)
		}
		if (i%4 == 1 || i%4 == 3) && s.Visible() {
			hidden[demo.Publisher().PublicID(s.ID, s.Confidential)] = true
		}
	}
	if _, err := st.UpsertSites(ctx, "demo", sites); err != nil {
		t.Fatal(err)
	}
	f := New(st, demo.Publisher(), nil, time.Hour)
	f.SetHideAfter(365*24*time.Hour, func() time.Time { return now })
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	visible := 0
	for _, s := range sites {
		id := demo.Publisher().PublicID(s.ID, s.Confidential)
		_, in := f.Index().Site(id)
		if s.Visible() && !hidden[id] {
			visible++
		}
		if want := s.Visible() && !hidden[id]; in != want {
			t.Errorf("site %s (%s, updated %v, verified %v): in the index %v, want %v", s.ExternalID, s.Name, s.UpdatedAt, s.VerifiedAt, in, want)
		}
	}
	if f.Index().Len() != visible || len(hidden) == 0 {
		t.Fatalf("index has %d sites, want %d (%d hidden)", f.Index().Len(), visible, len(hidden))
	}
	// Verified again: back on the map.
	var back aidmap.Site
	for _, s := range sites {
		if hidden[demo.Publisher().PublicID(s.ID, s.Confidential)] {
			back = s
			break
		}
	}
	back.VerifiedAt = now.Add(-time.Minute)
	if _, err := st.UpsertSites(ctx, "demo", []aidmap.Site{back}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Index().Site(demo.Publisher().PublicID(back.ID, back.Confidential)); !ok {
		t.Error("a site verified again did not come back")
	}
	// The store keeps every site.
	if s, err := st.Site(ctx, sites[1].ID); err != nil || s.Name != sites[1].Name {
		t.Errorf("store: %v %v", s.Name, err)
	}
}

// TestFollowerStoredID checks StoredID: a confidential site's public ID names its stored ID
// (and its stored ID names nothing), a public site's ID names itself, and a site that stops
// being confidential leaves the map.
func TestFollowerStoredID(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	sites := demo.Sites(30, 9)
	var conf, public aidmap.Site
	for _, s := range sites {
		if s.Visible() && s.Confidential && conf.ID == "" {
			conf = s
		}
		if s.Visible() && !s.Confidential && public.ID == "" {
			public = s
		}
	}
	if conf.ID == "" || public.ID == "" {
		t.Fatal("the demo data has no visible confidential and public site")
	}
	if _, err := st.UpsertSites(ctx, "demo", sites); err != nil {
		t.Fatal(err)
	}
	f := New(st, demo.Publisher(), nil, time.Hour)
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	pubID := demo.Publisher().PublicID(conf.ID, true)
	if got, ok := f.StoredID(pubID); !ok || got != conf.ID {
		t.Errorf("StoredID(public ID of a confidential site) = %q %v, want %q", got, ok, conf.ID)
	}
	if got, ok := f.StoredID(conf.ID); ok {
		t.Errorf("StoredID(stored ID of a confidential site) = %q, want none", got)
	}
	if got, ok := f.StoredID(public.ID); !ok || got != public.ID {
		t.Errorf("StoredID(public site) = %q %v", got, ok)
	}
	conf.Confidential = false
	if _, err := st.UpsertSites(ctx, "demo", []aidmap.Site{conf}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.StoredID(pubID); ok {
		t.Error("the old public ID still names the site after it became public")
	}
	if got, ok := f.StoredID(conf.ID); !ok || got != conf.ID {
		t.Errorf("StoredID(now public) = %q %v", got, ok)
	}
}
