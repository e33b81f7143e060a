package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// changed returns the change of the site with the given ID after version, failing when the
// feed has none.
func changed(t *testing.T, s store.Store, after int64, id string) store.Change {
	t.Helper()
	changes, err := s.ChangesSince(context.Background(), after, 100)
	checkErr(t, "ChangesSince", err, nil)
	for _, c := range changes {
		if c.Site.ID == id {
			return c
		}
	}
	t.Fatalf("ChangesSince(%d): no change of %s in %d changes", after, id, len(changes))
	return store.Change{}
}

// testCapacities checks store.Capacities: a capacity is set per unit by the site's own
// organisation only, travels with the site in the change feed (a new version, content and
// UpdatedAt untouched), survives uploads of the site, and every change is in the audit log.
func testCapacities(t *testing.T, open Opener) {
	s := open(t)
	cs, ok := s.(store.Capacities)
	if !ok {
		t.Skipf("%T does not implement store.Capacities", s)
	}
	ctx := context.Background()
	for _, org := range []string{"fbs", "other"} {
		checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, NewOrganization(org)), nil)
	}
	site := NewSite("fbs", "S1")
	mustUpsert(t, s, "fbs", []aidmap.Site{site})
	mustUpsert(t, s, "other", []aidmap.Site{NewSite("other", "O1")})
	before, err := s.Site(ctx, site.ID)
	checkErr(t, "Site", err, nil)
	if before.Capacity != nil {
		t.Fatalf("new site has capacity %v", before.Capacity)
	}

	v0, _ := s.Version(ctx)
	beds := aidmap.Capacity{Unit: "beds", Available: 3, Maximum: 20, Updated: Base.Add(time.Hour)}
	got, err := cs.SetCapacity(ctx, "fbs", site.ID, beds, "tok1")
	checkErr(t, "SetCapacity", err, nil)
	if !reflect.DeepEqual(got, []aidmap.Capacity{beds}) {
		t.Fatalf("SetCapacity: got %v, want %v", got, beds)
	}
	c := changed(t, s, v0, site.ID)
	if c.Version <= v0 || !reflect.DeepEqual(c.Site.Capacity, []aidmap.Capacity{beds}) {
		t.Errorf("change feed: version %d (before %d), capacity %v, want %v", c.Version, v0, c.Site.Capacity, beds)
	}
	after := c.Site
	after.Capacity = nil
	if !reflect.DeepEqual(normalise(after), normalise(before)) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("setting a capacity changed the site's content:\n got  %+v\n want %+v", after, before)
	}

	meals := aidmap.Capacity{Unit: "meals", Available: 40, Updated: Base.Add(2 * time.Hour)}
	_, err = cs.SetCapacity(ctx, "fbs", site.ID, meals, "tok2")
	checkErr(t, "SetCapacity meals", err, nil)
	beds2 := aidmap.Capacity{Unit: "beds", Available: 2, Maximum: 20, Updated: Base.Add(3 * time.Hour)}
	got, err = cs.SetCapacity(ctx, "fbs", site.ID, beds2, "tok1")
	checkErr(t, "SetCapacity beds again", err, nil)
	want := []aidmap.Capacity{beds2, meals}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("two units: got %v, want %v (by unit)", got, want)
	}

	for name, tc := range map[string]struct {
		org, id string
		c       aidmap.Capacity
		want    error
	}{
		"another organisation's site": {"fbs", aidmap.SiteID("other", "O1"), beds, aidmap.ErrNotFound},
		"no such site":                {"fbs", aidmap.SiteID("fbs", "nope"), beds, aidmap.ErrNotFound},
		"no organisation":             {"", site.ID, beds, aidmap.ErrNotFound},
		"more available than maximum": {"fbs", site.ID, aidmap.Capacity{Unit: "beds", Available: 21, Maximum: 20}, aidmap.ErrInvalid},
		"negative":                    {"fbs", site.ID, aidmap.Capacity{Unit: "beds", Available: -1}, aidmap.ErrInvalid},
		"too many":                    {"fbs", site.ID, aidmap.Capacity{Unit: "beds", Available: aidmap.MaxCapacity + 1}, aidmap.ErrInvalid},
		"unit not a word":             {"fbs", site.ID, aidmap.Capacity{Unit: "Beds!", Available: 1}, aidmap.ErrInvalid},
		"empty unit":                  {"fbs", site.ID, aidmap.Capacity{Available: 1}, aidmap.ErrInvalid},
	} {
		_, err := cs.SetCapacity(ctx, tc.org, tc.id, tc.c, "tok1")
		checkErr(t, "SetCapacity "+name, err, tc.want)
	}
	for i := len(want); i < aidmap.MaxCapacityUnits; i++ {
		_, err := cs.SetCapacity(ctx, "fbs", site.ID, aidmap.Capacity{Unit: fmt.Sprintf("u%d", i), Available: i, Updated: Base.Add(3*time.Hour + time.Minute)}, "tok1")
		checkErr(t, "SetCapacity unit "+fmt.Sprint(i), err, nil)
	}
	_, err = cs.SetCapacity(ctx, "fbs", site.ID, aidmap.Capacity{Unit: "one_too_many", Available: 1}, "tok1")
	checkErr(t, "SetCapacity beyond MaxCapacityUnits", err, aidmap.ErrInvalid)
	for i := len(want); i < aidmap.MaxCapacityUnits; i++ {
		_, err := cs.RemoveCapacity(ctx, "fbs", site.ID, fmt.Sprintf("u%d", i), "tok1", Base.Add(4*time.Hour))
		checkErr(t, "RemoveCapacity", err, nil)
	}

	// Uploads neither clear nor compare capacities: the same content is unchanged, new content
	// keeps them.
	if res := mustUpsert(t, s, "fbs", []aidmap.Site{site}); len(res.Unchanged) != 1 {
		t.Errorf("re-upload of the same site: %+v, want unchanged", res)
	}
	edited := site
	edited.Phone = "+1 604 555 0199"
	edited.UpdatedAt = Base.Add(5 * time.Hour)
	if res := mustUpsert(t, s, "fbs", []aidmap.Site{edited}); len(res.Updated) != 1 {
		t.Errorf("upload of an edited site: %+v, want updated", res)
	}
	stored, err := s.Site(ctx, site.ID)
	checkErr(t, "Site", err, nil)
	if !reflect.DeepEqual(stored.Capacity, want) || stored.Phone != edited.Phone {
		t.Errorf("after uploads: capacity %v phone %q, want %v and %q", stored.Capacity, stored.Phone, want, edited.Phone)
	}
	var each []aidmap.Capacity
	_, err = s.EachSite(ctx, func(x aidmap.Site) error {
		if x.ID == site.ID {
			each = x.Capacity
		}
		return nil
	})
	checkErr(t, "EachSite", err, nil)
	if !reflect.DeepEqual(each, want) {
		t.Errorf("EachSite: capacity %v, want %v", each, want)
	}

	v1, _ := s.Version(ctx)
	got, err = cs.RemoveCapacity(ctx, "fbs", site.ID, "meals", "tok2", Base.Add(6*time.Hour))
	checkErr(t, "RemoveCapacity", err, nil)
	if !reflect.DeepEqual(got, []aidmap.Capacity{beds2}) {
		t.Errorf("RemoveCapacity: got %v, want %v", got, beds2)
	}
	if c := changed(t, s, v1, site.ID); !reflect.DeepEqual(c.Site.Capacity, []aidmap.Capacity{beds2}) {
		t.Errorf("change feed after RemoveCapacity: %v", c.Site.Capacity)
	}
	got, err = cs.RemoveCapacity(ctx, "fbs", site.ID, "beds", "tok2", Base.Add(7*time.Hour))
	checkErr(t, "RemoveCapacity of the last unit", err, nil)
	if got != nil {
		t.Errorf("no capacity left: got %v, want nil", got)
	}
	if x, _ := s.Site(ctx, site.ID); x.Capacity != nil {
		t.Errorf("Site after removing every unit: %v", x.Capacity)
	}

	log, err := cs.CapacityLog(ctx, "fbs", site.ID, 100)
	checkErr(t, "CapacityLog", err, nil)
	if n := 3 + 2*(aidmap.MaxCapacityUnits-len(want)) + 2; len(log) != n {
		t.Fatalf("CapacityLog: %d entries, want %d: %+v", len(log), n, log)
	}
	if l := log[0]; l.Unit != "beds" || !l.Removed || l.By != "tok2" || !l.At.Equal(Base.Add(7*time.Hour)) {
		t.Errorf("newest log entry: %+v", l)
	}
	if l := log[len(log)-1]; l.Unit != "beds" || l.Available != 3 || l.Maximum != 20 || l.By != "tok1" || !l.At.Equal(beds.Updated) || l.Removed {
		t.Errorf("oldest log entry: %+v", l)
	}
	if !slices.IsSortedFunc(log, func(a, b store.CapacityChange) int { return b.At.Compare(a.At) }) {
		t.Errorf("CapacityLog not newest first")
	}
	_, err = cs.CapacityLog(ctx, "other", site.ID, 10)
	checkErr(t, "CapacityLog of another organisation's site", err, aidmap.ErrNotFound)
	_, err = cs.CapacityLog(ctx, "fbs", site.ID, 0)
	checkErr(t, "CapacityLog limit 0", err, aidmap.ErrInvalid)
}

// testClosedReports checks that open "closed" reports with a reporter become the site's
// ClosedReports (one time per distinct reporter, the latest, newest first) through the change
// feed, that handling a report takes it out, and that other reports do not count.
func testClosedReports(t *testing.T, open Opener) {
	s := open(t)
	rs, ok := s.(store.Reports)
	if !ok {
		t.Skipf("%T does not implement store.Reports", s)
	}
	ctx := context.Background()
	checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, NewOrganization("fbs")), nil)
	site := NewSite("fbs", "S1")
	mustUpsert(t, s, "fbs", []aidmap.Site{site})
	if cs, ok := s.(store.Capacities); ok {
		_, err := cs.SetCapacity(ctx, "fbs", site.ID, aidmap.Capacity{Unit: "beds", Available: 1, Updated: Base}, "tok1")
		checkErr(t, "SetCapacity", err, nil)
	}
	v0, _ := s.Version(ctx)
	at := func(m int) time.Time { return Base.Add(time.Duration(m) * time.Minute) }
	for _, r := range []store.Report{
		{ID: "r1", Reporter: "a", Kind: "closed", CreatedAt: at(1)},
		{ID: "r2", Reporter: "b", Kind: "closed", CreatedAt: at(2)},
		{ID: "r3", Reporter: "a", Kind: "closed", CreatedAt: at(3)},
		{ID: "r4", Reporter: "c", Kind: "wrong_hours", CreatedAt: at(4)}, // not "closed"
		{ID: "r5", Kind: "closed", CreatedAt: at(5)},                     // no reporter: not counted
	} {
		r.OrganizationID, r.SiteID = "fbs", site.ID
		checkErr(t, "AddReport "+r.ID, rs.AddReport(ctx, r), nil)
	}
	c := changed(t, s, v0, site.ID)
	if want := []time.Time{at(3), at(2)}; !reflect.DeepEqual(c.Site.ClosedReports, want) {
		t.Errorf("ClosedReports in the feed: got %v, want %v", c.Site.ClosedReports, want)
	}
	if len(c.Site.Capacity) != 1 {
		t.Errorf("reports lost the capacity: %v", c.Site.Capacity)
	}
	if got, _ := rs.Reports(ctx, "fbs", "", 10); len(got) != 5 {
		t.Errorf("Reports: %d, want 5", len(got))
	}
	steps := []struct {
		id   string
		want []time.Time
	}{
		{"r3", []time.Time{at(2), at(1)}}, // a's older report still stands
		{"r2", []time.Time{at(1)}},
		{"r4", []time.Time{at(1)}},
		{"r1", nil},
	}
	for _, st := range steps {
		_, err := rs.ResolveReport(ctx, "fbs", st.id, store.ReportDismissed, "tok1", at(10))
		checkErr(t, "ResolveReport "+st.id, err, nil)
		got, err := s.Site(ctx, site.ID)
		checkErr(t, "Site", err, nil)
		if !reflect.DeepEqual(got.ClosedReports, st.want) {
			t.Errorf("after handling %s: ClosedReports %v, want %v", st.id, got.ClosedReports, st.want)
		}
	}
}

// testCapacityLogPrune checks PruneCapacityLog: entries before the cutoff go, of every site
// and organisation; later ones, the sites' current capacities and the store version stay.
func testCapacityLogPrune(t *testing.T, open Opener) {
	s := open(t)
	cs, ok := s.(store.Capacities)
	if !ok {
		t.Skipf("%T does not implement store.Capacities", s)
	}
	ctx := context.Background()
	var sites []aidmap.Site
	for _, org := range []string{"fbs", "shelters"} {
		checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, NewOrganization(org)), nil)
		site := NewSite(org, "S1")
		mustUpsert(t, s, org, []aidmap.Site{site})
		sites = append(sites, site)
	}
	day := func(d int) time.Time { return Base.Add(time.Duration(d) * 24 * time.Hour) }
	for _, site := range sites {
		for d := range 6 { // days 0..5, beds then meals
			unit := []string{"beds", "meals"}[d%2]
			_, err := cs.SetCapacity(ctx, site.OrganizationID, site.ID, aidmap.Capacity{Unit: unit, Available: d, Updated: day(d)}, "tok")
			checkErr(t, "SetCapacity", err, nil)
		}
	}
	v0, _ := s.Version(ctx)
	n, err := cs.PruneCapacityLog(ctx, day(3))
	checkErr(t, "PruneCapacityLog", err, nil)
	if n != 6 {
		t.Errorf("PruneCapacityLog(day 3) deleted %d, want 6 (days 0-2 of two sites)", n)
	}
	for _, site := range sites {
		log, err := cs.CapacityLog(ctx, site.OrganizationID, site.ID, 100)
		checkErr(t, "CapacityLog", err, nil)
		var days []int
		for _, c := range log {
			days = append(days, c.Available)
		}
		if !slices.Equal(days, []int{5, 4, 3}) {
			t.Errorf("%s: log after pruning has days %v, want [5 4 3]", site.ID, days)
		}
		got, err := s.Site(ctx, site.ID)
		checkErr(t, "Site", err, nil)
		if len(got.Capacity) != 2 || got.Capacity[0].Available != 4 || got.Capacity[1].Available != 5 {
			t.Errorf("%s: capacities after pruning %+v, want beds 4 and meals 5", site.ID, got.Capacity)
		}
	}
	if v, _ := s.Version(ctx); v != v0 {
		t.Errorf("pruning the log changed the store version %d → %d (no site changed)", v0, v)
	}
	if n, err := cs.PruneCapacityLog(ctx, day(3)); err != nil || n != 0 {
		t.Errorf("pruning again: %d, %v; want 0", n, err)
	}
}
