package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

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
