package place

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/aidmap/aidmap"
)

// gsite is a visible site of org at a point offset east by metres from a base point.
func gsite(org, ext, name, phone string, east float64) aidmap.Site {
	return aidmap.Site{ID: aidmap.SiteID(org, ext), OrganizationID: org, ExternalID: ext, Name: name,
		Phone: phone, Lat: 43.6532, Lon: -79.3832 + east/80500, Status: aidmap.StatusActive,
		Categories: []aidmap.Category{aidmap.CategoryFoodBank}}
}

func TestGraphDecisions(t *testing.T) {
	a := gsite("a", "1", "Daily Bread Food Bank", "416 555 0100", 0)
	b := gsite("b", "1", "Daily Bred Food Bank", "+1 (416) 555-0100", 15)
	c := gsite("c", "1", "Daily Bread Food Bank", "", 5)
	other := gsite("c", "2", "Parkdale Legal Clinic", "", 20) // near, unrelated name
	secret := gsite("d", "1", "Daily Bread Food Bank", "416 555 0100", 1)
	secret.Confidential = true

	together := func(pl *Places, x, y aidmap.Site) bool { return pl.Of(x.ID) == pl.Of(y.ID) }
	g := NewGraph(Options{})
	g.Update([]aidmap.Site{a, b, c, other, secret})
	pl := g.Places()
	if !together(pl, a, b) || !together(pl, a, c) {
		t.Fatalf("a, b, c should be one place: %v", pl.members)
	}
	if together(pl, a, other) || together(pl, a, secret) {
		t.Fatalf("an unrelated or confidential site joined the place: %v", pl.members)
	}

	// A split holds even though c links both.
	g.Decide(Decision{A: b.ID, B: a.ID})
	pl = g.Places()
	if together(pl, a, b) {
		t.Errorf("split a, b are one place: %v", pl.members)
	}
	// It survives a re-upload of either site, changed or not.
	b.Name = "Daily Bread Food Bank"
	g.Update([]aidmap.Site{b})
	g.Update([]aidmap.Site{a})
	if pl = g.Places(); together(pl, a, b) {
		t.Errorf("split a, b are one place after re-uploads: %v", pl.members)
	}

	// Confirmed pairs are one place below the threshold, never with a confidential site.
	g.Decide(Decision{A: a.ID, B: other.ID, Confirmed: true})
	g.Decide(Decision{A: a.ID, B: secret.ID, Confirmed: true})
	pl = g.Places()
	if !together(pl, a, other) {
		t.Errorf("confirmed a, other are not one place: %v", pl.members)
	}
	if together(pl, a, secret) {
		t.Errorf("a confidential site was linked by a confirmation: %v", pl.members)
	}

	// A retired site leaves its place.
	c.Status = aidmap.StatusRetired
	g.Update([]aidmap.Site{c})
	if pl = g.Places(); slices.Contains(pl.Members(pl.Of(a.ID)), c.ID) {
		t.Errorf("retired c still in a's place: %v", pl.Members(pl.Of(a.ID)))
	}

	infos := g.Pairs(pl, "a")
	var sawSplit bool
	for _, p := range infos {
		if p.A != a.ID && p.B != a.ID {
			t.Errorf("pair %v does not involve a", p)
		}
		if key(p.A, p.B) == key(a.ID, b.ID) {
			sawSplit = p.Decision == "split" && !p.Linked
		}
		if key(p.A, p.B) == key(a.ID, secret.ID) {
			t.Errorf("a confidential site's pair is listed: %v", p)
		}
	}
	if !sawSplit {
		t.Errorf("pairs of a lack the split with b: %+v", infos)
	}
}

// TestGraphIncrementalEqualsFull: places after a series of updates (new, changed, retired
// sites) are those of one Graph built from the final sites.
func TestGraphIncrementalEqualsFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	names := []string{"Daily Bread Food Bank", "Daily Bred Food Bank", "Parkdale Legal Clinic",
		"Parkdale Community Legal Clinic", "St Felix Centre", "The Stop"}
	sites := map[string]aidmap.Site{}
	g := NewGraph(Options{})
	for round := 0; round < 30; round++ {
		var batch []aidmap.Site
		for i := 0; i < 8; i++ {
			org := fmt.Sprint("o", rng.IntN(4))
			s := gsite(org, fmt.Sprint(rng.IntN(12)), names[rng.IntN(len(names))], "", rng.Float64()*60)
			if rng.IntN(6) == 0 {
				s.Status = aidmap.StatusRetired
			}
			batch = append(batch, s)
			sites[s.ID] = s
		}
		g.Update(batch)
	}
	var final []aidmap.Site
	for _, s := range sites {
		final = append(final, s)
	}
	slices.SortFunc(final, func(x, y aidmap.Site) int { return cmpString(x.ID, y.ID) })
	full := NewGraph(Options{})
	full.Update(final)
	got, want := g.Places(), full.Places()
	for _, s := range final {
		if gm, wm := got.Members(got.Of(s.ID)), want.Members(want.Of(s.ID)); s.Visible() && !slices.Equal(gm, wm) {
			t.Errorf("site %s: incremental place %v, full %v", s.ID, gm, wm)
		}
	}
	if got.Len() != want.Len() || want.Len() == 0 {
		t.Errorf("places of several: incremental %d, full %d (want > 0)", got.Len(), want.Len())
	}

	// Diff brings a Graph of other sites (some the same, some changed, some gone) to the
	// final set: the same places again.
	d := NewGraph(Options{})
	var start []aidmap.Site
	for i, s := range final {
		switch i % 3 {
		case 0:
			s.Name += " Annex"
		case 1:
			s.ID = fmt.Sprint("gone-", i)
		}
		start = append(start, s)
	}
	d.Update(start)
	each, done := d.Diff()
	for _, s := range final {
		if s.Visible() {
			each(&s)
		}
	}
	changed := done()
	d.Update(changed)
	if len(changed) >= 2*len(final) || len(changed) == 0 {
		t.Errorf("Diff changed %d sites of %d", len(changed), len(final))
	}
	got = d.Places()
	for _, s := range final {
		if gm, wm := got.Members(got.Of(s.ID)), want.Members(want.Of(s.ID)); s.Visible() && !slices.Equal(gm, wm) {
			t.Errorf("site %s: after Diff place %v, full %v", s.ID, gm, wm)
		}
	}
	if got.Len() != want.Len() {
		t.Errorf("places of several: after Diff %d, full %d", got.Len(), want.Len())
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BenchmarkGraphUpdate is the place view's work for an upload of 10k sites against 1M (the
// target is 1 s): Update (remove the changed, add and link them) and Places (every place
// rebuilt from the links and decisions). The same 10k are uploaded again each time, so each
// run replaces them.
func BenchmarkGraphUpdate(b *testing.B) {
	const n, k = 1_000_000, 10_000
	old, new := cachedSets(n)
	g := NewGraph(Options{})
	g.Update(old)
	upload := new[:k]
	for i := range upload {
		upload[i].ID = fmt.Sprint("upload-", i)
		upload[i].Status = aidmap.StatusActive
	}
	b.ResetTimer()
	var places int
	for range b.N {
		g.Update(upload)
		places = g.Places().Len()
	}
	b.ReportMetric(float64(places), "places")
}

// BenchmarkGraphBuild is the place view's full match at a Load (a server's start, and the
// hourly reload when long-unchecked sites are hidden): 1M sites into an empty Graph, then
// Places. It reports the heap the Graph holds.
func BenchmarkGraphBuild(b *testing.B) {
	old, _ := cachedSets(1_000_000)
	var g *Graph
	var before, after runtime.MemStats
	for range b.N {
		g = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		g = NewGraph(Options{})
		g.Update(old)
		g.Places()
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heap-MB")
	runtime.KeepAlive(g)
}

// BenchmarkGraphDiff is the place view at a reload of an unchanged 1M index (the feed's
// hourly one): Diff over every site, Update with what changed (nothing), Places.
func BenchmarkGraphDiff(b *testing.B) {
	old, _ := cachedSets(1_000_000)
	g := NewGraph(Options{})
	g.Update(old)
	b.ResetTimer()
	for range b.N {
		each, done := g.Diff()
		for i := range old {
			each(&old[i])
		}
		g.Update(done())
		g.Places()
	}
}

// TestGraphCompacts: re-uploads replace records; once removed ones outnumber the live, their
// slots are dropped, and the places, pairs and decisions are those of a Graph made afresh.
func TestGraphCompacts(t *testing.T) {
	names := []string{"Daily Bread Food Bank", "Daily Bred Food Bank", "Parkdale Legal Clinic", "The Stop"}
	version := func(v int) []aidmap.Site {
		var out []aidmap.Site
		for i := range 700 {
			s := gsite(fmt.Sprint("o", i%3), fmt.Sprint(i), names[i%len(names)], "", float64(i%50)*7+float64(i/50)*1000)
			s.Description = fmt.Sprint("version ", v) // changed every upload
			if v == 3 && i%10 == 0 {
				s.Status = aidmap.StatusRetired // gone in the last upload
			}
			out = append(out, s)
		}
		return out
	}
	g := NewGraph(Options{})
	a, b := gsite("o2", "2", "", "", 0).ID, gsite("o1", "1", "", "", 0).ID
	g.Decide(Decision{A: a, B: b, Confirmed: true})
	var last []aidmap.Site
	for v := range 4 {
		last = version(v)
		for i := range last {
			last[i].Name += fmt.Sprint(" ", v%2) // the name too, so records are matched again
		}
		g.Update(last)
	}
	if n, live := len(g.ids), len(g.live); n > 2*live || len(g.m.recs) != n {
		t.Fatalf("after four uploads: %d records (%d in the matcher) for %d live sites", n, len(g.m.recs), live)
	}
	full := NewGraph(Options{})
	full.Decide(Decision{A: a, B: b, Confirmed: true})
	full.Update(last)
	got, want := g.Places(), full.Places()
	for _, s := range last {
		if gm, wm := got.Members(got.Of(s.ID)), want.Members(want.Of(s.ID)); s.Visible() && !slices.Equal(gm, wm) {
			t.Errorf("site %s: compacted place %v, afresh %v", s.ID, gm, wm)
		}
	}
	if want.Of(b) != want.Of(a) {
		t.Errorf("afresh: the confirmed pair apart")
	}
	if got.Len() != want.Len() || want.Len() == 0 || got.Of(b) != got.Of(a) {
		t.Errorf("places of several: compacted %d, afresh %d; confirmed pair together %v", got.Len(), want.Len(), got.Of(b) == got.Of(a))
	}
	if gp, wp := g.Pairs(got, "o2"), full.Pairs(want, "o2"); !slices.Equal(gp, wp) {
		t.Errorf("pairs: compacted %d, afresh %d", len(gp), len(wp))
	}
}

// TestStackedVersion: Places' StackedVersion changes when, and only when, the set of sites at
// stacked points does: an upload elsewhere or a steward's decision keeps it (and with it the
// web server's cached list answers).
func TestStackedVersion(t *testing.T) {
	names := []string{"Legal Aid", "Food Bank", "Youth Hub", "Seniors Lunch", "Dental Clinic",
		"Tax Help", "Housing Help Desk", "Refugee Settlement", "Daily Bread"}
	var stack []aidmap.Site
	for i, n := range names {
		s := gsite(fmt.Sprint("o", i), "s", n, "", 0)
		stack = append(stack, s)
	}
	g := NewGraph(Options{})
	steps := []struct {
		name    string
		do      func()
		version uint64
		stacked bool // stack[0] is approximate
	}{
		{"empty", func() {}, 0, false},
		{"a place elsewhere", func() {
			g.Update([]aidmap.Site{gsite("a", "1", "Parkdale Food Bank", "4165550101", 5000), gsite("b", "1", "Parkdale Food Bank", "4165550101", 5010)})
		}, 0, false},
		{"the stack arrives", func() { g.Update(stack) }, 1, true},
		{"a decision", func() {
			g.Decide(Decision{A: aidmap.SiteID("a", "1"), B: aidmap.SiteID("b", "1"), Confirmed: false})
		}, 1, true},
		{"an upload elsewhere", func() { g.Update([]aidmap.Site{gsite("c", "1", "Harbour Drop-In", "", 9000)}) }, 1, true},
		{"two records leave the stack: seven are a busy building", func() {
			a, b := stack[7], stack[8]
			a.Lon, b.Lon = a.Lon+0.01, b.Lon-0.01
			g.Update([]aidmap.Site{a, b})
		}, 2, false},
	}
	for _, st := range steps {
		st.do()
		pl := g.Places()
		if got := pl.StackedVersion(); got != st.version {
			t.Errorf("%s: StackedVersion %d, want %d", st.name, got, st.version)
		}
		if got := pl.Approximate(stack[0].ID); got != st.stacked {
			t.Errorf("%s: approximate %v, want %v", st.name, got, st.stacked)
		}
	}
	var none *Places
	if none.Approximate(stack[0].ID) || none.StackedVersion() != 0 {
		t.Error("a nil *Places marks a site")
	}
}
