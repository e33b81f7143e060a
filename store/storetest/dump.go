package storetest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// testDump moves a store's whole content to another store through Export and Import and
// checks that nothing is lost: every organisation, every site with every field (retired and
// confidential ones included), and that importing twice changes nothing.
func testDump(t *testing.T, open Opener) {
	ctx := context.Background()
	src, dst := open(t), open(t)
	for _, id := range []string{"alpha", "beta"} {
		if err := src.UpsertOrganization(ctx, NewOrganization(id)); err != nil {
			t.Fatal(err)
		}
	}
	sites := Sites("alpha", "a", 30)
	sites[3].Confidential = true
	sites[4].Status = aidmap.StatusRetired
	if _, err := src.UpsertSites(ctx, "alpha", sites); err != nil {
		t.Fatal(err)
	}
	if _, err := src.UpsertSites(ctx, "beta", Sites("beta", "b", 5)); err != nil {
		t.Fatal(err)
	}
	// Live capacity moves with its site (DiffSite below compares it); the stores that keep it
	// log the import as its author.
	at := time.Date(2026, 12, 4, 18, 9, 0, 123000, time.UTC)
	caps := []struct {
		org, id string
		c       aidmap.Capacity
	}{
		{"alpha", sites[0].ID, aidmap.Capacity{Unit: "beds", Available: 3, Maximum: 20, Updated: at}},
		{"alpha", sites[0].ID, aidmap.Capacity{Unit: "meals", Available: 0, Updated: at.Add(-time.Hour)}},
		{"alpha", sites[4].ID, aidmap.Capacity{Unit: "beds", Available: 1, Updated: at}},
		{"beta", aidmap.SiteID("beta", "b2"), aidmap.Capacity{Unit: "places", Available: 7, Maximum: 9, Updated: at}},
	}
	srcCaps, hasCaps := src.(store.Capacities)
	if hasCaps {
		for _, c := range caps {
			if _, err := srcCaps.SetCapacity(ctx, c.org, c.id, c.c, "tok"); err != nil {
				t.Fatal(err)
			}
		}
	}

	var buf bytes.Buffer
	stats, err := store.Export(ctx, src, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Organizations != 2 || stats.Sites != 35 {
		t.Fatalf("export: got %+v, want 2 organisations and 35 sites", stats)
	}
	dump := buf.Bytes()
	if _, err := store.Import(ctx, dst, bytes.NewReader(dump)); err != nil {
		t.Fatal(err)
	}
	v1, _ := dst.Version(ctx)
	if stats, err := store.Import(ctx, dst, bytes.NewReader(dump)); err != nil || stats.Sites != 35 {
		t.Fatalf("second import: got %+v, %v", stats, err)
	}
	if v2, _ := dst.Version(ctx); v2 != v1 {
		t.Errorf("a second import of the same dump changed the store: version %d → %d", v1, v2)
	}
	if hasCaps {
		log, err := dst.(store.Capacities).CapacityLog(ctx, "alpha", sites[0].ID, 10)
		if err != nil || len(log) != 2 || log[0].By != aidmap.VerifiedByImport {
			t.Errorf("capacity log after two imports: %+v, %v; want the 2 units once each, by %q", log, err, aidmap.VerifiedByImport)
		}
		defer func() { // after the comparison below: a restore never undoes a newer tap
			newer := aidmap.Capacity{Unit: "beds", Available: 2, Maximum: 20, Updated: at.Add(time.Minute)}
			if _, err := dst.(store.Capacities).SetCapacity(ctx, "alpha", sites[0].ID, newer, "tok"); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Import(ctx, dst, bytes.NewReader(dump)); err != nil {
				t.Fatal(err)
			}
			if s, err := dst.Site(ctx, sites[0].ID); err != nil || len(s.Capacity) != 2 || !reflect.DeepEqual(s.Capacity[0], newer) {
				t.Errorf("after a newer tap and another import: %+v, %v; want beds %+v kept", s.Capacity, err, newer)
			}
		}()
	}

	want := map[string]aidmap.Site{}
	if _, err := src.EachSite(ctx, func(s aidmap.Site) error { want[s.ID] = s; return nil }); err != nil {
		t.Fatal(err)
	}
	got := 0
	if _, err := dst.EachSite(ctx, func(s aidmap.Site) error {
		got++
		if d := DiffSite(s, want[s.ID]); d != "" {
			t.Errorf("site %s after the move: %s", s.ID, d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != len(want) {
		t.Errorf("got %d sites after the move, want %d", got, len(want))
	}
	for _, id := range []string{"alpha", "beta"} {
		o, err := dst.Organization(ctx, id)
		w, _ := src.Organization(ctx, id)
		if err != nil || o.Name != w.Name || !o.CreatedAt.Equal(w.CreatedAt) {
			t.Errorf("organisation %s: got %+v, %v; want %+v", id, o, err, w)
		}
	}

	for _, tc := range []struct{ name, input, want string }{
		{"empty", "", "empty"},
		{"not a dump", `{"type":"site"}` + "\n", "not an aidmap dump"},
		{"garbage", "hello\n", "line 1"},
		{"newer format", `{"type":"header","format":"aidmap-dump","version":99}` + "\n", "newer"},
		{"bad line", `{"type":"header","format":"aidmap-dump","version":1}` + "\n{oops\n", "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Import(ctx, open(t), strings.NewReader(tc.input))
			if !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}
